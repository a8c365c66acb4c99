import { useApp } from '../store';
import { ImageSlotView } from './ImageSlotView';

const SAME = 'Same as first frame';

/**
 * ReferenceNet and IP-Adapter images (referencenet packs) and the face image (IP-Adapter FaceID
 * packs). Empty = the condition image (MuseV's default); they are cropped and resized to the
 * generation size like it.
 */
export function ExtraImages() {
  const refer = useApp((s) => s.packFeatures?.referenceImage === true);
  const ip = useApp((s) => s.packFeatures?.ipAdapterImage === true);
  const face = useApp((s) => s.packFeatures?.faceImage === true);
  if (!refer && !ip && !face) return null;
  const hint = (what: string) => (
    <>
      <strong>{SAME}</strong>
      <span>drop or click to use another image for {what}</span>
    </>
  );
  return (
    <div className="extra-images" data-testid="extra-images">
      {refer && (
        <ImageSlotView
          slot="referImage"
          title="Reference image (ReferenceNet)"
          testPrefix="refer-image"
          inputTestId="refer-image-input"
          emptyHint={hint('the look (ReferenceNet)')}
          emptyMeta={SAME}
          clearLabel="Use first frame"
        />
      )}
      {ip && (
        <ImageSlotView
          slot="ipAdapterImage"
          title="IP-Adapter image"
          testPrefix="ip-image"
          inputTestId="ip-image-input"
          emptyHint={hint('identity (IP-Adapter)')}
          emptyMeta={SAME}
          clearLabel="Use first frame"
        />
      )}
      {face && (
        <ImageSlotView
          slot="faceImage"
          title="Face image (IP-Adapter FaceID)"
          testPrefix="face-image"
          inputTestId="face-image-input"
          emptyHint={hint('the face (one clearly visible face; its identity is kept)')}
          emptyMeta={SAME}
          clearLabel="Use first frame"
        />
      )}
    </div>
  );
}
