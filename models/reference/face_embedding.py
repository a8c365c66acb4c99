"""The face embedding of IP-Adapter FaceID as MuseV computes it (MMCM's InsightFaceExtractorNormEmb =
insightface FaceAnalysis(buffalo_l), det_size 640), for the reference pipeline's golden runs
(models/reference/golden.py). Written from MuseV / MMCM / insightface, not from the TypeScript code:

  frames (RGB uint8) -> MMCM convert_images(..., return_rgb_order="bgr") (channels reversed)
         -> np.array(x.convert("RGB"))[:, :, ::-1] (reversed again: `img` is RGB again)
  insightface FaceAnalysis.get(img) (it believes `img` is BGR):
    SCRFD.detect: letterbox (cv2.resize INTER_LINEAR into a 640x640 zero canvas, det_scale),
      cv2.dnn.blobFromImage(canvas, 1/128, (640, 640), (127.5,)*3, swapRB=True) -> B, G, R planes,
      det_10g -> decode (anchor centres, distance2bbox / distance2kps, score >= 0.5, / det_scale),
      sort by score, NMS 0.4                                   (models/golden/face_analysis.py)
    ArcFaceONNX.get(img, faces[0]): norm_crop = Umeyama similarity of the 5 kps to the ArcFace
      template, cv2.warpAffine(img, M, (112, 112), borderValue=0),
      cv2.dnn.blobFromImage(crop, 1/127.5, (112, 112), (127.5,)*3, swapRB=True) -> B, G, R planes,
      w600k_r50 -> embedding; normed_embedding = embedding / ||embedding||.
The two networks are the pack's face_detector.onnx / face_embedder.onnx, run by onnxruntime-node
(models/tests/onnx_runner.py). Needs python3-opencv (golden generation only; CI reads the JSON).
"""
import importlib.util
import os

import cv2
import numpy as np

MODELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def _load(name, rel):  # by path: `golden` is also reference/golden.py when that runs as a script
    spec = importlib.util.spec_from_file_location(name, os.path.join(MODELS, rel))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


_fa = _load("golden_face_analysis", "golden/face_analysis.py")
ARCFACE_DST, letterbox, scrfd_decode, umeyama = _fa.ARCFACE_DST, _fa.letterbox, _fa.scrfd_decode, _fa.umeyama
run_onnx = _load("onnx_runner", "tests/onnx_runner.py").run_onnx

DET_SIZE, DET_THRESH, NMS_THRESH, STRIDES, ANCHORS, ALIGN = 640, 0.5, 0.4, [8, 16, 32], 2, 112


def musev_insightface_input(rgb_u8: np.ndarray) -> np.ndarray:
    """What MMCM hands insightface for an RGB frame: reversed to 'bgr' into a PIL image, then
    np.array(image.convert('RGB'))[:, :, ::-1] -- reversed twice, i.e. the RGB array."""
    from PIL import Image

    pil = Image.fromarray(np.ascontiguousarray(rgb_u8[:, :, ::-1]))  # convert_images(return_rgb_order="bgr")
    return np.ascontiguousarray(np.array(pil.convert("RGB"))[:, :, ::-1])


def analyse(rgb_u8: np.ndarray, pack_dir: str) -> dict:
    """faces[0] of insightface FaceAnalysis.get on the MuseV input, and its normed embedding.
    Returns {det_scale, faces (boxes+scores), kps, M, crop, embedding, normed}; raises if no face."""
    img = musev_insightface_input(rgb_u8)
    canvas, det_scale = letterbox(img, DET_SIZE)
    blob = cv2.dnn.blobFromImage(canvas, 1.0 / 128.0, (DET_SIZE, DET_SIZE), (127.5, 127.5, 127.5), swapRB=True)
    outs = run_onnx(os.path.join(pack_dir, "face_detector.onnx"), {"image": blob.astype(np.float32)})
    det, kps, _ = scrfd_decode(outs, DET_SIZE, STRIDES, ANCHORS, DET_THRESH, det_scale, NMS_THRESH)
    if len(det) == 0:
        raise ValueError("the face detector finds no face on this image")
    M = umeyama(kps[0].reshape(5, 2), ARCFACE_DST)  # insightface face_align.estimate_norm (arcface, 112)
    crop = cv2.warpAffine(img, M, (ALIGN, ALIGN), borderValue=0.0)
    fblob = cv2.dnn.blobFromImage(crop, 1.0 / 127.5, (ALIGN, ALIGN), (127.5, 127.5, 127.5), swapRB=True)
    emb = run_onnx(os.path.join(pack_dir, "face_embedder.onnx"), {"face": fblob.astype(np.float32)})["embedding"]
    emb = emb.reshape(-1)
    return {"det_scale": det_scale, "faces": det, "kps": kps[0].reshape(5, 2), "M": M, "crop": crop,
            "embedding": emb, "normed": emb / np.linalg.norm(emb)}
