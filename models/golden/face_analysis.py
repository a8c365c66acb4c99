"""Golden numbers for src/core/faceDetect.ts and src/core/faceAlign.ts (IP-Adapter FaceID's face analysis).

What insightface's FaceAnalysis(buffalo_l) does before and after its two ONNX models, with OpenCV
itself where insightface calls OpenCV, and numpy re-statements written from the algorithm elsewhere:
  - cv2.resize(img, (new_w, new_h)) (INTER_LINEAR on uint8): the SCRFD letterbox;
  - cv2.dnn.blobFromImage(img, 1/std, size, (mean,)*3, swapRB=True): the detector and ArcFace blobs;
  - SCRFD decode (anchor centres, distance2bbox, distance2kps, score >= thresh, / det_scale,
    sort by score desc, NMS with the +1 area convention), float32 as numpy computes it;
  - the Umeyama similarity (skimage SimilarityTransform.estimate) from 5 keypoints to the ArcFace
    112 template, in float64, then cv2.warpAffine(img, M, (112, 112), borderValue=0).
Images are integer formulas that src/core/faceDetect.test.ts rebuilds (no image bytes stored).
Run: /usr/bin/python3 models/golden/face_analysis.py  (needs python3-opencv)
   -> src/core/__golden__/face_analysis.json
"""
import base64
import json
import os

import cv2
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "face_analysis.json")
ARCFACE_DST = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                        [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32)


def b64(a):
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()


def formula_image(w, h):
    """v(x, y, c) = (3x + 5y + 40c + 5·((x² + 3y² + 7c) mod 17)) mod 256, RGB, (h, w, 3) uint8."""
    y, x, c = np.meshgrid(np.arange(h), np.arange(w), np.arange(3), indexing="ij")
    return ((3 * x + 5 * y + 40 * c + 5 * ((x * x + 3 * y * y + 7 * c) % 17)) % 256).astype(np.uint8)


def fnv1a(a):
    h = 0x811C9DC5
    for v in np.ascontiguousarray(a).reshape(-1).tobytes():
        h = ((h ^ v) * 0x01000193) & 0xFFFFFFFF
    return h


def letterbox(img, size):  # insightface SCRFD.detect
    h, w = img.shape[:2]
    if h / w > 1.0:
        new_h, new_w = size, int(size / (h / w))
    else:
        new_w, new_h = size, int(size * (h / w))
    det_scale = float(new_h) / h
    canvas = np.zeros((size, size, 3), dtype=np.uint8)
    canvas[:new_h, :new_w] = cv2.resize(img, (new_w, new_h))
    return canvas, det_scale


def scrfd_decode(outs, size, strides, anchors, thresh, det_scale, nms_thresh):
    scores_l, boxes_l, kps_l, ids_l = [], [], [], []
    for s in strides:
        hh, ww = size // s, size // s
        centers = np.stack(np.mgrid[:hh, :ww][::-1], axis=-1).astype(np.float32)
        centers = np.stack([(centers * s).reshape(-1, 2)] * anchors, axis=1).reshape(-1, 2)
        scores = outs[f"score_{s}"][:, 0]
        d = outs[f"bbox_{s}"] * s
        k = outs[f"kps_{s}"] * s
        pos = np.where(scores >= thresh)[0]
        boxes = np.stack([centers[:, 0] - d[:, 0], centers[:, 1] - d[:, 1], centers[:, 0] + d[:, 2], centers[:, 1] + d[:, 3]], -1)
        kps = np.stack([centers[:, j % 2] + k[:, j] for j in range(10)], -1)
        scores_l.append(scores[pos]), boxes_l.append(boxes[pos]), kps_l.append(kps[pos])
        ids_l += [[s, int(i)] for i in pos]
    scores = np.concatenate(scores_l)
    order = np.argsort(scores, kind="stable")[::-1]  # ties: the later candidate first
    boxes = np.concatenate(boxes_l) / det_scale
    kps = np.concatenate(kps_l) / det_scale
    pre = np.hstack((boxes, scores[:, None])).astype(np.float32)[order]
    keep = nms(pre, nms_thresh)
    return pre[keep], kps[order][keep], [ids_l[i] for i in order[keep]]


def nms(dets, thresh):
    x1, y1, x2, y2, scores = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3], dets[:, 4]
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(scores, kind="stable")[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(int(i))
        xx1, yy1 = np.maximum(x1[i], x1[order[1:]]), np.maximum(y1[i], y1[order[1:]])
        xx2, yy2 = np.minimum(x2[i], x2[order[1:]]), np.minimum(y2[i], y2[order[1:]])
        inter = np.maximum(0.0, xx2 - xx1 + 1) * np.maximum(0.0, yy2 - yy1 + 1)
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[np.where(ovr <= thresh)[0] + 1]
    return keep


def umeyama(src, dst):  # skimage _umeyama(src, dst, estimate_scale=True), float64
    src, dst = src.astype(np.float64), dst.astype(np.float64)
    n, dim = src.shape
    sm, dm = src.mean(0), dst.mean(0)
    sd, dd = src - sm, dst - dm
    A = dd.T @ sd / n
    d = np.ones(dim)
    if np.linalg.det(A) < 0:
        d[-1] = -1
    U, S, V = np.linalg.svd(A)
    T = np.eye(dim + 1)
    T[:dim, :dim] = U @ np.diag(d) @ V
    scale = 1.0 / sd.var(0).sum() * (S @ d)
    T[:dim, dim] = dm - scale * (T[:dim, :dim] @ sm)
    T[:dim, :dim] *= scale
    return T[:2]


def synthetic_detector(size, strides, anchors, faces, rng):
    """Random outputs with a few high-score clusters whose boxes/kps point at `faces` (x1, y1, x2, y2)."""
    outs = {}
    for s in strides:
        g = size // s
        n = g * g * anchors
        cell = np.arange(n) // anchors
        cx, cy = (cell % g) * s, (cell // g) * s
        score = rng.uniform(0, 0.45, n)
        bbox = rng.uniform(0.2, 2.0, (n, 4))
        kps = rng.uniform(-2, 2, (n, 10))
        for (fx1, fy1, fx2, fy2) in faces:
            near = (cx >= fx1) & (cx <= fx2) & (cy >= fy1) & (cy <= fy2)
            m = int(near.sum())
            score[near] = rng.uniform(0.4, 0.99, m)
            j = rng.normal(0, 0.05 * (fx2 - fx1), (m, 4))
            bbox[near] = (np.stack([cx[near] - fx1, cy[near] - fy1, fx2 - cx[near], fy2 - cy[near]], -1) + j) / s
            ex = fx1 + (fx2 - fx1) * np.array([0.3, 0.7, 0.5, 0.35, 0.65])
            ey = fy1 + (fy2 - fy1) * np.array([0.4, 0.4, 0.6, 0.8, 0.8])
            rel = np.stack([ex[None] - cx[near, None], ey[None] - cy[near, None]], -1).reshape(m, 10)
            kps[near] = (rel + rng.normal(0, 0.5, (m, 10))) / s
        outs[f"score_{s}"] = score.astype(np.float32)[:, None]
        outs[f"bbox_{s}"] = bbox.astype(np.float32)
        outs[f"kps_{s}"] = kps.astype(np.float32)
    return outs


def resize_cases():
    cases = []
    for (w, h), (ow, oh) in [((61, 47), (83, 59)), ((100, 80), (50, 40)), ((100, 80), (50, 41)), ((90, 70), (67, 52)),
                             ((40, 30), (100, 75)), ((33, 17), (16, 8)), ((2, 2), (5, 5)), ((7, 3), (21, 9))]:
        out = cv2.resize(formula_image(w, h), (ow, oh))
        cases.append({"w": w, "h": h, "outW": ow, "outH": oh, "out": b64(out)})
    return cases


def letterbox_cases():
    cases = []
    for (w, h) in [(512, 384), (384, 576), (512, 512), (1280, 720)]:
        canvas, det_scale = letterbox(formula_image(w, h), 640)
        blob = cv2.dnn.blobFromImage(canvas[:, :, ::-1], 1.0 / 128, (640, 640), (127.5, 127.5, 127.5), swapRB=True)
        cases.append({"w": w, "h": h, "detScale": det_scale, "canvasFnv": fnv1a(canvas),
                      "blobSample": blob.reshape(-1)[::4099].astype(np.float32).tolist(), "blobEvery": 4099})
    return cases


def blob_cases():
    rng = np.random.RandomState(3)
    img = rng.permutation(np.tile(np.arange(256, dtype=np.uint8), 3)).reshape(16, 16, 3)
    out = []
    for mean, std in [(127.5, 128.0), (127.5, 127.5)]:
        blob = cv2.dnn.blobFromImage(img[:, :, ::-1], 1.0 / std, (16, 16), (mean, mean, mean), swapRB=True)
        out.append({"mean": mean, "std": std, "blob": b64(blob.astype(np.float32))})
    return {"w": 16, "h": 16, "rgb": b64(img), "cases": out}


def decode_case(seed, size, img_wh, faces):
    rng = np.random.RandomState(seed)
    strides, anchors = [8, 16, 32], 2
    outs = synthetic_detector(size, strides, anchors, faces, rng)
    w, h = img_wh
    new_h = size if h / w > 1 else int(size * (h / w))
    det_scale = float(new_h) / h
    det, kps, ids = scrfd_decode(outs, size, strides, anchors, 0.5, det_scale, 0.4)
    return {"size": size, "w": w, "h": h, "detScale": det_scale,
            "outputs": {k: b64(v) for k, v in outs.items()},
            "faces": [{"stride": i[0], "anchor": i[1], "box": d[:4].tolist(), "score": float(d[4]), "kps": k.tolist()}
                      for d, k, i in zip(det, kps, ids)]}


def warp_cases():
    cases = []
    for (w, h), kps in [((200, 160), [[70, 60], [120, 58], [96, 90], [75, 118], [118, 116]]),
                        ((120, 150), [[10.3, 20.7], [52.9, 31.2], [25.5, 48.1], [4.2, 70.6], [40.8, 79.9]]),
                        ((96, 96), [[60, 40], [30, 42], [44, 55], [62, 70], [33, 72]])]:
        src = formula_image(w, h)
        k = np.array(kps, dtype=np.float32)
        M = umeyama(k, ARCFACE_DST)
        warped = cv2.warpAffine(src[:, :, ::-1], M, (112, 112), borderValue=0.0)[:, :, ::-1]
        cases.append({"w": w, "h": h, "kps": k.astype(np.float64).tolist(), "M": M.tolist(), "out": b64(warped)})
    return cases


def l2_case():
    e = np.random.RandomState(9).normal(0, 3, 512).astype(np.float32)
    return {"embedding": b64(e), "normed": b64(e / np.linalg.norm(e))}


if __name__ == "__main__":
    data = {
        "generator": "models/golden/face_analysis.py", "opencv": cv2.__version__, "numpy": np.__version__,
        "arcfaceDst": ARCFACE_DST.astype(np.float64).tolist(),
        "resize": resize_cases(), "letterbox": letterbox_cases(), "blob": blob_cases(),
        "decode": [decode_case(1, 64, (50, 40), [(5, 6, 30, 34), (20, 10, 50, 40), (40, 2, 60, 20)]),
                   decode_case(2, 64, (60, 90), [(10, 10, 40, 50), (14, 16, 44, 54)])],
        "warp": warp_cases(), "l2": l2_case(),
    }
    with open(OUT, "w") as f:
        json.dump(data, f)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")
