"""A PyTorch reference of MuseV's inference loop, independent of the TypeScript pipeline.

It re-states, from MuseV's code (musev/pipelines/pipeline_controlnet.py `__call__`,
pipeline_controlnet_predictor.py `run_pipe_text2video`, musev/schedulers/scheduling_euler_discrete.py,
musev/utils/noise_util.py, MMCM's context / clip-vision code) and spec sections 1-4, what one run does:
first frame (text->image or redraw at T=1, temporal layers skipped), n_batch shots chained through
the last latent, windows (uniform_v2 / uniform closed loop) over the noisy frames with the clean
condition latent prepended, CFG [uncond, cond], deterministic Euler, and the per-step scheduler noise
that MuseV draws and multiplies by 0 (it is drawn here for real, from the same CPU generator).
Referencenet families: IP tokens = image_proj(clip(ip image)) / image_proj(0), ReferenceNet at t=0
on the refer latent with the IP tokens (or the text) as context. IP-Adapter FaceID (any family): face
tokens F = face_proj(e) / face_proj(0) from a given normed ArcFace embedding e (the face analysis is
the caller's: insightface is not here), used by every call of the run, scale `ipAdapterFaceScale`.

The networks are the exporter's PyTorch modules (musev_export), so the same weights as a tiny pack:
`musev_export.presets.tiny_models(family)` re-runs the preset's seeded init. Text embeddings come
from token ids (the TS side's prompt weighting is tested elsewhere).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np
import torch

# ---- scheduler: diffusers EulerDiscreteScheduler, linspace spacing, epsilon, s_churn = 0 ----------


def euler_schedule(n: int, cfg: dict):
    t_train = cfg.get("num_train_timesteps", 1000)
    assert cfg.get("timestep_spacing", "linspace") == "linspace" and cfg.get("beta_schedule") == "scaled_linear"
    betas = torch.linspace(cfg["beta_start"] ** 0.5, cfg["beta_end"] ** 0.5, t_train, dtype=torch.float32) ** 2
    ac = torch.cumprod(1.0 - betas, dim=0)
    sig = np.array(((1 - ac) / ac) ** 0.5)
    timesteps = np.linspace(0, t_train - 1, n, dtype=np.float32)[::-1].copy()
    sigmas = np.interp(timesteps, np.arange(0, len(sig)), sig)
    sigmas = torch.from_numpy(np.concatenate([sigmas, [0.0]]).astype(np.float32))
    return torch.from_numpy(timesteps), sigmas


# ---- windows (MuseV context.py: uniform_v2 = MMCM generate_sample_idxs; uniform = AnimateDiff) ----


def drop_last_repeat(wins):
    if len(wins) >= 2 and wins[-1][-1] == wins[-2][-1]:
        wins = wins[:-1]
    return wins


def uniform_v2(n, size, overlap):
    step = size - overlap
    return drop_last_repeat([list(range(s, min(s + size, n))) for s in range(0, n, step)])


def uniform(n, size, overlap, stride=1):
    if n <= size:
        return [list(range(n))]
    wins = []
    for k in range(min(stride, int(math.ceil(math.log2(n / size))) + 1)):
        c = 1 << k
        for j in range(0, n, size * c - overlap):  # ordered_halving(0) = 0: no offset
            wins.append([e % n for e in range(j, j + size * c, c)])
    return drop_last_repeat(wins)


def windows_for(req, n):
    if req.get("contextSchedule", "uniform_v2") == "uniform":
        return uniform(n, req["contextFrames"], req["contextOverlap"], req.get("contextStride", 1))
    return uniform_v2(n, req["contextFrames"], req["contextOverlap"])


# ---- guidance schedule (musev/utils/timesteps_util.py generate_parameters_with_timesteps) ----------


def guidance_schedule(start, stop, n, method="linear"):
    if stop is None or stop == start:
        return [start] * n
    if method == "linear":
        return list(np.linspace(start, stop, n))
    if method == "two_stage":
        return [start] * (n // 2) + [stop] * (n - n // 2)
    if method == "three_stage":
        k = n // 3
        return [start] * k + [(start + stop) // 2] * k + [stop] * (n - 2 * k)
    if method == "fix_two_stage":
        return ([start] * 3 + [stop] * (n - 3))[:n]
    raise ValueError(method)


# ---- noise (musev/utils/noise_util.py; diffusers randn_tensor with a CPU generator) -----------------


def random_noise(shape, g):
    return torch.randn(shape, generator=g, dtype=torch.float32)


def video_fusion_noise(shape, g, w_ind):
    b, c, t, h, w = shape
    common = torch.randn((b, c, 1, h, w), generator=g, dtype=torch.float32)
    ind = torch.randn(shape, generator=g, dtype=torch.float32)
    s = torch.tensor(w_ind, dtype=torch.float32)
    return torch.sqrt(1 - s) * common + torch.sqrt(s) * ind


def draw_noise(noise_type, shape, g, w_ind):
    return video_fusion_noise(shape, g, w_ind) if noise_type == "video_fusion" else random_noise(shape, g)


# ---- networks ------------------------------------------------------------------------------------


@dataclass
class Nets:
    text_encoder: torch.nn.Module
    vae: torch.nn.Module
    unet: torch.nn.Module
    scaling: float = 0.18215
    referencenet: Optional[torch.nn.Module] = None
    image_proj: Optional[torch.nn.Module] = None
    clip_vision: Optional[torch.nn.Module] = None
    clip: Optional[dict] = None  # {imageSize, mean, std}
    anivv1: bool = False  # frame_index = arange(T) * motion_speed
    face_proj: Optional[torch.nn.Module] = None  # FaceID MLPProjModel (the UNet then has its face branch)


def image_tensor(rgb_u8: np.ndarray) -> torch.Tensor:
    """(H, W, 3) uint8 -> (1, 3, H, W) in [-1, 1] (diffusers prepare_image: /255, normalize)."""
    x = torch.from_numpy(rgb_u8.astype(np.float32)).permute(2, 0, 1)[None] / 255.0
    return x * 2 - 1


def vae_latent(nets: Nets, x: torch.Tensor) -> torch.Tensor:
    return (nets.vae.encode_mean(x) * nets.scaling)[:, :, None]  # (1, 4, 1, h, w)


def decode_frame(nets: Nets, z: torch.Tensor) -> torch.Tensor:
    """z (1, 4, h, w) -> video frame in [0, 1] (MuseV decode_latents), float."""
    return (nets.vae.decode(z / nets.scaling) / 2 + 0.5).clamp(0, 1)


def clip_pixels(rgb_u8: np.ndarray, clip: dict) -> torch.Tensor:
    """MMCM extract_images: PIL, dynamic_crop_resize_image to its own size (drops the last row and
    column, bicubic back), then CLIPImageProcessor (shortest edge bicubic, center crop, /255, norm)."""
    from PIL import Image

    h, w = rgb_u8.shape[:2]
    img = Image.fromarray(rgb_u8).crop((0, 0, w - 1, h - 1)).resize((w, h), resample=Image.BICUBIC)
    S = clip["imageSize"]
    short, long = min(w, h), max(w, h)
    size = (S, int(S * long / short)) if w <= h else (int(S * long / short), S)
    arr = np.array(img.resize(size, resample=Image.BICUBIC))
    top, left = (arr.shape[0] - S) // 2, (arr.shape[1] - S) // 2
    arr = (arr[top:top + S, left:left + S].astype(np.float64) * (1 / 255)).astype(np.float32)
    arr = (arr - np.array(clip["mean"], dtype=np.float32)) / np.array(clip["std"], dtype=np.float32)
    return torch.from_numpy(arr.transpose(2, 0, 1).copy())[None]


@dataclass
class Conditioning:  # referencenet families
    ip_tokens: torch.Tensor
    ip_scale: float
    refs: List[torch.Tensor]
    ref_mid: torch.Tensor


def conditioning(nets: Nets, refer: Optional[dict], ip: Optional[dict], E: torch.Tensor, ip_scale: float) -> Conditioning:
    """MuseV get_ip_adapter_image_emb + get_referencenet_image_vae_emb + get_referencenet_emb.
    Images are dicts {tensor: (1,3,H,W) in [-1,1], u8: (H,W,3) uint8}."""
    B = E.shape[0]
    if ip is not None:
        emb = nets.clip_vision(clip_pixels(ip["u8"], nets.clip))
        P = nets.image_proj(emb)
        if B == 2:
            P = torch.cat([nets.image_proj(torch.zeros_like(emb)), P])
    else:  # MuseV skips the IP branch; the graph adds ip_scale * attn(P), so zeros with scale 0
        P = torch.zeros(B, nets.image_proj.tokens, E.shape[2])
        ip_scale = 0.0
    assert refer is not None, "the referencenet families need a refer image"
    z = nets.vae.encode_mean(refer["tensor"]) * nets.scaling  # (1, 4, h, w); uncond half = the same latent
    feats, mid = nets.referencenet(torch.cat([z] * B), torch.tensor([0.0]), P if ip is not None else E)
    return Conditioning(P, ip_scale, feats[: nets.unet.num_ref_features()], mid)


@dataclass
class FaceConditioning:  # IP-Adapter FaceID
    tokens: torch.Tensor  # (B, tokens, D): [face_proj(0) ; face_proj(e)] under CFG
    scale: float


def face_conditioning(nets: Nets, id_embed: Optional[torch.Tensor], B: int, scale: float) -> Optional[FaceConditioning]:
    """MuseV get_ip_adapter_face_emb: F = face_proj(e), e (1, 512) the normed embedding of the first
    face; the uncond half = face_proj(zeros). None without an embedding (MuseV skips the branch)."""
    if id_embed is None:
        return None
    F = nets.face_proj(id_embed)
    if B == 2:
        F = torch.cat([nets.face_proj(torch.zeros_like(id_embed)), F])
    return FaceConditioning(F, scale)


# ---- one pipeline call: MusevControlNetPipeline.__call__ ------------------------------------------


def denoise(nets: Nets, L, C, E, windows, guidance, timesteps, sigmas, do_cfg, motion_speed, g, step_noise, w_ind,
            cond: Optional[Conditioning], skip_temporal=False, face: Optional[FaceConditioning] = None):
    B = 2 if do_cfg else 1
    N = L.shape[2]
    for i, t in enumerate(timesteps):
        acc = torch.zeros((B,) + tuple(L.shape[1:]))
        cnt = torch.zeros((1, 1, N, 1, 1))
        for c in windows:
            x = torch.cat([L[:, :, c]] * B) / ((sigmas[i] ** 2 + 1) ** 0.5)
            xin = torch.cat([torch.cat([C] * B), x], dim=2) if C is not None else x
            T = xin.shape[2]
            fi = torch.arange(T) * (motion_speed if nets.anivv1 else 1)
            fi = fi.to(torch.int64)  # MuseV casts sample_frame_rate * arange to long
            kw = {}
            if cond is not None:
                kw = dict(ip_tokens=cond.ip_tokens, ip_scale=torch.tensor([cond.ip_scale]), refs=cond.refs, ref_mid=cond.ref_mid)
            if face is not None:
                kw.update(face_tokens=face.tokens, face_scale=torch.tensor([face.scale]))
            eps = nets.unet(xin, t.reshape(1), E, fi, skip_temporal=skip_temporal, **kw)
            if C is not None:
                eps = eps[:, :, 1:]
            acc[:, :, c] = acc[:, :, c] + eps  # as MuseV: a repeated index in c adds once (last wins)
            cnt[:, :, c] = cnt[:, :, c] + 1
        e = acc / cnt
        if do_cfg:
            e_u, e_c = e.chunk(2)
            e = e_u + guidance[i] * (e_c - e_u)
        x0 = L - sigmas[i] * e  # Euler, epsilon, gamma = 0
        d = (L - x0) / sigmas[i]
        L = L + d * (sigmas[i + 1] - sigmas[i])
        draw_noise(step_noise, tuple(e.shape), g, w_ind) * 0.0  # s_churn = 0: only moves the generator
    return L


def first_frame(nets: Nets, req, E1, g, x0=None, cond=None, face=None):
    """run_pipe_text2video's first-frame call: video_length 1, skip_temporal_layer, noise 'random'."""
    steps = req.get("firstFrameSteps", 30)
    gs = req.get("firstFrameGuidanceScale", 7.5)
    timesteps, sigmas = euler_schedule(steps, req["scheduler"])
    h, w = req["height"] // 8, req["width"] // 8
    n = random_noise((1, 4, 1, h, w), g)
    L = x0 + n * sigmas[0] if x0 is not None else n * sigmas.max()
    return denoise(nets, L, None, E1, [[0]], [gs] * steps, timesteps, sigmas, gs > 1, req["motionSpeed"], g, "random",
                   req["wIndNoise"], cond, skip_temporal=True, face=face)


class _JitterModule:
    def __init__(self, f, jitter):
        self.f, self.jitter = f, jitter

    def __getattr__(self, name):
        return getattr(self.f, name)

    def __call__(self, *a, **k):
        out = self.f(*a, **k)
        if isinstance(out, tuple):  # ReferenceNet: (features, mid)
            return [self.jitter(t) for t in out[0]], self.jitter(out[1])
        return self.jitter(out)


class _JitterVae:
    def __init__(self, vae, jitter):
        self.vae, self.jitter = vae, jitter

    def encode_mean(self, x):
        return self.jitter(self.vae.encode_mean(x))

    def decode(self, z):
        return self.jitter(self.vae.decode(z))


def jittered(nets: Nets, jitter: Jitter) -> Nets:
    j = lambda m: _JitterModule(m, jitter) if m is not None else None  # noqa: E731
    return Nets(nets.text_encoder, _JitterVae(nets.vae, jitter), j(nets.unet), nets.scaling, j(nets.referencenet),
                j(nets.image_proj), j(nets.clip_vision), nets.clip, nets.anivv1, j(nets.face_proj))


@dataclass
class RunOutput:
    latents: torch.Tensor  # kept latents of all shots, (1, 4, F, h, w)
    cond0: torch.Tensor  # condition latent of shot 0
    frame0: Optional[torch.Tensor] = None  # decoded generated / redrawn first frame (1, 3, H, W) in [0, 1]
    extra: Dict[str, torch.Tensor] = field(default_factory=dict)


class Jitter:
    """Float32-noise-sized changes (relative `rel` of each tensor's max |value|) added to every network
    output of a run: UNet predictions, ReferenceNet features, IP tokens, VAE means. Running a case
    with and without it measures how far the run's own result moves under the op-order differences
    any other float32 implementation has: tiny random-weight models fed latents of ~100 are chaotic."""

    def __init__(self, rel: float = 2e-6, seed: int = 1):
        self.rel = rel
        self.g = torch.Generator().manual_seed(seed)

    def __call__(self, t: torch.Tensor) -> torch.Tensor:
        return t + self.rel * t.abs().max() * torch.randn(t.shape, generator=self.g)


@torch.no_grad()
def run(nets: Nets, req: dict, E: torch.Tensor, E1: Optional[torch.Tensor] = None, image=None, refer=None, ip=None,
        jitter: Optional[Jitter] = None, face_embed: Optional[torch.Tensor] = None) -> RunOutput:
    """run_pipe_text2video. req: GenerateRequest-like dict (+ 'scheduler'); images: {tensor, u8}.
    jitter: perturb every network output (see Jitter). face_embed: (1, 512) normed ArcFace embedding
    of the face image (FaceID; needs nets.face_proj)."""
    nets = jittered(nets, jitter) if jitter is not None else nets
    cond_of = conditioning
    g = torch.Generator().manual_seed(req["seed"])
    mode = req.get("firstFrame", "image")
    do_cfg = req["guidanceScale"] > 1
    refnet = nets.referencenet is not None
    frame0 = None
    C = vae_latent(nets, image["tensor"]) if image is not None else None
    if mode != "image":
        redraw = mode == "redraw"
        ff_refer = refer or (image if redraw else None)
        ff_ip = ip or (image if redraw else None)
        ff_cond = cond_of(nets, ff_refer, ff_ip, E1, req.get("ipAdapterScale", 1.0)) if refnet else None
        ff_face = face_conditioning(nets, face_embed, E1.shape[0], req.get("ipAdapterFaceScale", 1.0))
        C = first_frame(nets, req, E1, g, x0=C if redraw else None, cond=ff_cond, face=ff_face)
        frame0 = decode_frame(nets, C[:, :, 0])
        as_image = {"tensor": frame0 * 255.0 / 255.0 * 2 - 1, "u8": (frame0[0].permute(1, 2, 0).numpy() * 255.0).astype(np.uint8)}
        refer = as_image if redraw else (refer or as_image)
        ip = as_image if redraw else (ip or as_image)
    refer = refer or image
    ip = ip or image
    cond = cond_of(nets, refer, ip, E, req.get("ipAdapterScale", 1.0)) if refnet else None
    face = face_conditioning(nets, face_embed, E.shape[0], req.get("ipAdapterFaceScale", 1.0))
    kept = []
    C0 = C
    noise_type = req.get("noiseType", "video_fusion")
    for k in range(req.get("nBatch", 1)):
        N = req["frames"] - 1 if (k == 0 and mode == "generate") else req["frames"]
        timesteps, sigmas = euler_schedule(req["steps"], req["scheduler"])
        h, w = req["height"] // 8, req["width"] // 8
        n = draw_noise(noise_type, (1, 4, N, h, w), g, req["wIndNoise"])
        if req.get("imageBasedNoise", True):
            iw = req["imgWeight"]
            n = iw ** 0.5 * C.mean(dim=2, keepdim=True).expand(-1, -1, N, -1, -1) + (1 - iw) ** 0.5 * n
        L = n * sigmas.max()
        gl = guidance_schedule(req["guidanceScale"], req.get("guidanceScaleEnd"), req["steps"], req.get("guidanceMethod", "linear"))
        L = denoise(nets, L, C, E, windows_for(req, N), gl, timesteps, sigmas, do_cfg, req["motionSpeed"], g, noise_type,
                    req["wIndNoise"], cond, face=face)
        kept.append(torch.cat([C, L], dim=2) if k == 0 else L)
        if not req.get("fixConditionImages", False):
            C = L[:, :, -1:]
    return RunOutput(torch.cat(kept, dim=2), C0, frame0)
