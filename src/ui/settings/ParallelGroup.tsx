import { useApp, type SettingsErrors } from '../../store';
import { ChoiceField } from '../ChoiceField';
import { NumberField } from '../NumberField';
import { SettingsGroup } from './SettingsGroup';

/** Steps and the windows of MuseV's Visual Conditioned Parallel Denoising. */
export function ParallelGroup({ errors }: { errors: SettingsErrors }) {
  const uniform = useApp((s) => s.settings.contextSchedule === 'uniform');
  return (
    <SettingsGroup
      title="Parallel denoising"
      testId="group-parallel"
      about={
        <>
          At every step MuseV denoises the frames in windows of <code>context_frames</code> that overlap by{' '}
          <code>context_overlap</code>; every window also sees the clean first frame, and overlapping predictions are averaged.
        </>
      }
    >
      <NumberField name="steps" label="Steps" testId="steps" hint="video_num_inference_steps" error={errors.steps} />
      <NumberField name="contextFrames" label="Context frames" testId="context-frames" hint="frames per window" error={errors.contextFrames} />
      <NumberField name="contextOverlap" label="Context overlap" testId="context-overlap" hint="less than context frames" error={errors.contextOverlap} />
      <ChoiceField
        name="contextSchedule"
        label="Schedule"
        testId="context-schedule"
        hint="window layout; uniform_v2 is MuseV's default"
        error={errors.contextSchedule}
      />
      <NumberField
        name="contextStride"
        label="Context stride"
        testId="context-stride"
        hint={uniform ? 'stride levels of uniform' : 'only used by uniform'}
        disabled={!uniform}
        error={errors.contextStride}
      />
    </SettingsGroup>
  );
}
