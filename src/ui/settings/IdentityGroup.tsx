import { useApp, type SettingsErrors } from '../../store';
import { NumberField } from '../NumberField';
import { SettingsGroup } from './SettingsGroup';

/** IP-Adapter strength (referencenet packs). */
export function IdentityGroup({ errors }: { errors: SettingsErrors }) {
  const supported = useApp((s) => s.packFeatures?.ipAdapterImage === true);
  return (
    <SettingsGroup
      title="Identity"
      testId="group-identity"
      about={
        <>
          IP-Adapter turns the IP-Adapter image's CLIP embedding into 4 extra tokens that every cross-attention also reads,
          weighted by this scale (MuseV's <code>ip_adapter_scale</code>, 1.0). ReferenceNet packs only.
        </>
      }
    >
      <NumberField
        name="ipAdapterScale"
        label="IP-Adapter scale"
        testId="ip-scale"
        step={0.1}
        hint={supported ? 'ip_adapter_scale' : 'this pack has no IP-Adapter'}
        disabled={!supported}
        error={errors.ipAdapterScale}
      />
    </SettingsGroup>
  );
}
