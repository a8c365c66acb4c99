import { useApp, type SettingsErrors } from '../../store';
import { ChoiceField } from '../ChoiceField';
import { DiceIcon } from '../DiceIcon';
import { NumberField } from '../NumberField';
import { ToggleField } from '../ToggleField';
import { SettingsGroup } from './SettingsGroup';

/** Seed and the initial noise (spec §2.5), and the motion speed the temporal layers see. */
export function NoiseGroup({ errors }: { errors: SettingsErrors }) {
  const rollSeed = useApp((s) => s.rollSeed);
  const fusion = useApp((s) => s.settings.noiseType === 'video_fusion');
  const imageNoise = useApp((s) => s.settings.imageBasedNoise);
  return (
    <SettingsGroup
      title="Noise"
      testId="group-noise"
      about={
        <>
          video_fusion noise mixes one noise shared by all frames with per-frame noise (<code>w_ind_noise</code> is the
          per-frame share). Image-based noise adds a faint copy of the first frame's latent (<code>img_weight</code>).
          Motion speed scales the frame index the temporal layers see.
        </>
      }
    >
      <NumberField name="seed" label="Seed" testId="seed" error={errors.seed}>
        <button type="button" className="icon-button dice" data-testid="seed-dice" aria-label="Random seed" title="Random seed" onClick={rollSeed}>
          <DiceIcon />
        </button>
      </NumberField>
      <ChoiceField
        name="noiseType"
        label="Noise type"
        testId="noise-type"
        hint="noise_type; video_fusion is MuseV's default"
        error={errors.noiseType}
      />
      <NumberField
        name="wIndNoise"
        label="Independent noise"
        testId="w-ind-noise"
        step={0.05}
        hint={fusion ? 'w_ind_noise, 0..1' : 'only used by video_fusion'}
        disabled={!fusion}
        error={errors.wIndNoise}
      />
      <ToggleField name="imageBasedNoise" label="Image-based noise" testId="image-based-noise" hint="need_img_based_video_noise" />
      <NumberField
        name="imgWeight"
        label="Image weight"
        testId="img-weight"
        step={0.001}
        hint={imageNoise ? 'img_weight: first-frame latent mix' : 'image-based noise is off'}
        disabled={!imageNoise}
        error={errors.imgWeight}
      />
      <NumberField name="motionSpeed" label="Motion speed" testId="motion-speed" step={0.5} hint="motion_speed" error={errors.motionSpeed} />
    </SettingsGroup>
  );
}
