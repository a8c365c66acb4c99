import { useApp, type Settings, type SettingsErrors } from '../../store';
import { ChoiceField } from '../ChoiceField';
import { NumberField } from '../NumberField';
import { SettingsGroup } from './SettingsGroup';

const METHOD_HINT: Record<Settings['guidanceMethod'], string> = {
  linear: 'evenly from start to end',
  two_stage: 'first half at start, rest at end',
  three_stage: 'thirds: start, middle, end',
  fix_two_stage: '3 steps at start, rest at end',
};

/** Classifier-free guidance and its schedule over the steps. */
export function GuidanceGroup({ errors }: { errors: SettingsErrors }) {
  const constant = useApp((s) => s.settings.guidanceScaleEnd === null);
  const method = useApp((s) => s.settings.guidanceMethod);
  return (
    <SettingsGroup
      title="Guidance"
      testId="group-guidance"
      about={
        <>
          Classifier-free guidance: noise = uncond + g·(cond − uncond). MuseV moves g from the start to the end value across
          the denoising steps with the chosen method; leave the end blank for a constant g.
        </>
      }
    >
      <NumberField name="guidanceScale" label="Guidance start" testId="guidance" step={0.5} hint="video_guidance_scale" error={errors.guidanceScale} />
      <NumberField
        name="guidanceScaleEnd"
        label="Guidance end"
        testId="guidance-end"
        step={0.5}
        placeholder="= start"
        hint="blank: constant"
        error={errors.guidanceScaleEnd}
      />
      <ChoiceField
        name="guidanceMethod"
        label="Method"
        testId="guidance-method"
        hint={constant ? 'used when an end is set' : METHOD_HINT[method]}
        disabled={constant}
        error={errors.guidanceMethod}
      />
    </SettingsGroup>
  );
}
