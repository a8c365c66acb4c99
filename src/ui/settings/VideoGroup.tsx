import type { SettingsErrors } from '../../store';
import { NumberField } from '../NumberField';
import { ToggleField } from '../ToggleField';
import { ExportFields } from './ExportFields';
import { SettingsGroup } from './SettingsGroup';

/** Length, shots, frame rate and size of the video. */
export function VideoGroup({ errors }: { errors: SettingsErrors }) {
  return (
    <SettingsGroup
      title="Video"
      testId="group-video"
      about={
        <>
          MuseV makes a shot of <code>time_size</code> frames after the condition frame. With several shots (
          <code>n_batch</code>) each shot starts from the last frame of the one before, so the video has shots × frames + 1
          frames. FPS is only written into the file. The video format and encoder decide the file you download.
        </>
      }
    >
      <NumberField name="frames" label="Frames" testId="frames" hint="time_size: frames per shot after the first" error={errors.frames} />
      <NumberField name="nBatch" label="Shots" testId="n-batch" hint="n_batch: shots chained end to end" error={errors.nBatch} />
      <NumberField name="fps" label="FPS" testId="fps" error={errors.fps} />
      <NumberField name="width" label="Width" testId="width" step={64} hint="multiple of 64" error={errors.width} />
      <NumberField name="height" label="Height" testId="height" step={64} hint="multiple of 64" error={errors.height} />
      <ToggleField
        name="fixConditionImages"
        label="Fix condition image"
        testId="fix-condition-images"
        hint="fix_condition_images: every shot starts from your first frame instead of the previous shot's last"
      />
      <ExportFields errors={errors} />
    </SettingsGroup>
  );
}
