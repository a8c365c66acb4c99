import { useMemo } from 'react';
import { useApp } from '../store';
import { validateSettings } from '../store/settings';
import { GpuSettings } from './GpuSettings';
import { GuidanceGroup } from './settings/GuidanceGroup';
import { IdentityGroup } from './settings/IdentityGroup';
import { NoiseGroup } from './settings/NoiseGroup';
import { ParallelGroup } from './settings/ParallelGroup';
import { PresetSelect } from './settings/PresetSelect';
import { VideoGroup } from './settings/VideoGroup';

/** Generation settings in MuseV's groups, with inline validation (defaults come from the model pack). */
export function SettingsPanel() {
  const settings = useApp((s) => s.settings);
  const resetSettings = useApp((s) => s.resetSettings);
  const errors = useMemo(() => validateSettings(settings), [settings]);

  return (
    <section className="settings" aria-labelledby="settings-heading">
      <div className="section-head">
        <h2 id="settings-heading">Settings</h2>
        <button type="button" className="link-button" data-testid="reset-settings" onClick={resetSettings}>
          Reset to defaults
        </button>
      </div>
      <PresetSelect />
      <VideoGroup errors={errors} />
      <ParallelGroup errors={errors} />
      <GuidanceGroup errors={errors} />
      <NoiseGroup errors={errors} />
      <IdentityGroup errors={errors} />
      <GpuSettings />
    </section>
  );
}
