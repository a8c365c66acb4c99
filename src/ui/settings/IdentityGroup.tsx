import { useApp, type SettingsErrors } from '../../store';
import { NumberField } from '../NumberField';
import { SettingsGroup } from './SettingsGroup';

/** IP-Adapter strength (referencenet packs) and IP-Adapter FaceID strength (FaceID packs). */
export function IdentityGroup({ errors }: { errors: SettingsErrors }) {
  const supported = useApp((s) => s.packFeatures?.ipAdapterImage === true);
  const face = useApp((s) => s.packFeatures?.faceImage === true);
  return (
    <SettingsGroup
      title="Identity"
      testId="group-identity"
      about={
        <>
          IP-Adapter turns the IP-Adapter image's CLIP embedding into 4 extra tokens that every cross-attention also reads,
          weighted by this scale (MuseV's <code>ip_adapter_scale</code>, 1.0). ReferenceNet packs only. IP-Adapter FaceID
          finds the face in the face image (insightface), turns its ArcFace identity embedding into face tokens the
          same way, weighted by the face scale (<code>ip_adapter_face_scale</code>, 1.0; 0 turns it off). FaceID packs only.
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
      <NumberField
        name="ipAdapterFaceScale"
        label="Face scale"
        testId="face-scale"
        step={0.1}
        hint={face ? 'ip_adapter_face_scale' : 'this pack has no IP-Adapter FaceID'}
        disabled={!face}
        error={errors.ipAdapterFaceScale}
      />
    </SettingsGroup>
  );
}
