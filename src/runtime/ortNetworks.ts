/**
 * onnxruntime sessions wrapped as the pipeline's network interfaces (src/pipeline/networks.ts).
 * Graph I/O names follow models/README.md ("Graph I/O contract").
 */
import type { DenoiserNet, Networks, TensorF32, TextEncoderNet, VaeDecoderNet, VaeEncoderNet } from '../pipeline/networks';
import { appError } from '../rpc/errors';
import type { Ort, OrtSession } from './ortTypes';

async function run(session: OrtSession, feeds: Record<string, InstanceType<Ort['Tensor']>>, output: string, what: string): Promise<TensorF32> {
  let results;
  try {
    results = await session.run(feeds);
  } catch (e) {
    throw appError('inference-failed', `The ${what} failed while running. Try a smaller size or fewer context frames, or reload the page.`, String(e));
  } finally {
    for (const t of Object.values(feeds)) t.dispose();
  }
  const out = results[output];
  const data = (await out.getData()) as Float32Array;
  const shape = out.dims.slice();
  for (const t of Object.values(results)) t.dispose();
  return { data, shape };
}

export function ortTextEncoder(ort: Ort, session: OrtSession): TextEncoderNet {
  return {
    encode(ids) {
      const flat = BigInt64Array.from(ids.flat(), (v) => BigInt(v));
      const input_ids = new ort.Tensor('int64', flat, [ids.length, ids[0].length]);
      return run(session, { input_ids }, 'last_hidden_state', 'text encoder');
    },
  };
}

export function ortVaeEncoder(ort: Ort, session: OrtSession): VaeEncoderNet {
  return {
    encodeMean(image) {
      return run(session, { image: new ort.Tensor('float32', image.data, image.shape) }, 'latent_mean', 'VAE encoder');
    },
  };
}

export function ortVaeDecoder(ort: Ort, session: OrtSession): VaeDecoderNet {
  return {
    decode(latent) {
      return run(session, { latent: new ort.Tensor('float32', latent.data, latent.shape) }, 'image', 'VAE decoder');
    },
  };
}

export function ortUnet(ort: Ort, session: OrtSession): DenoiserNet {
  return {
    predict(sample, timestep, context, frameIndex) {
      return run(
        session,
        {
          sample: new ort.Tensor('float32', sample.data, sample.shape),
          timestep: new ort.Tensor('float32', Float32Array.of(timestep), [1]),
          encoder_hidden_states: new ort.Tensor('float32', context.data, context.shape),
          frame_index: new ort.Tensor('int64', BigInt64Array.from(frameIndex, (v) => BigInt(v)), [frameIndex.length]),
        },
        'noise_pred',
        'UNet',
      );
    },
  };
}

export interface NetworkSessions {
  text_encoder: OrtSession;
  vae_encoder: OrtSession;
  vae_decoder: OrtSession;
  unet: OrtSession;
}

export function ortNetworks(ort: Ort, s: NetworkSessions): Networks {
  return {
    textEncoder: ortTextEncoder(ort, s.text_encoder),
    vaeEncoder: ortVaeEncoder(ort, s.vae_encoder),
    vaeDecoder: ortVaeDecoder(ort, s.vae_decoder),
    unet: ortUnet(ort, s.unet),
  };
}
