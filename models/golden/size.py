"""Golden sizes and crop boxes for src/core/size.ts.

Re-states MuseV scripts/inference/text2video.py's size rule
    int(height * img_length_ratio // 64 * 64)
(with gradio's effective ratio min(max_image_edge / max(h, w), ratio)) and MMCM
mmcm/vision/utils/image_process.py `dynamic_crop_resize_image`'s crop box (PIL crop (x1, y1, x2, y2)).
Run: /usr/bin/python3 models/golden/size.py  -> src/core/__golden__/size.json
"""
import json
import math
import os

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "core", "__golden__", "size.json")


def musev_size(w, h, ratio=1.0, max_edge=None):
    if max_edge is not None:
        ratio = min(max_edge / max(h, w), ratio)
    return int(w * ratio // 64 * 64), int(h * ratio // 64 * 64)


def musev_crop(w, h, target_width, target_height):
    if w / h >= target_width / target_height:
        y1 = 0
        y2 = h - 1
        x1 = math.ceil((w - h * target_width / target_height) / 2)
        x2 = math.ceil(w - (w - h * target_width / target_height) / 2)
    else:
        x1 = 0
        x2 = w - 1
        y1 = math.ceil((h - w * target_height / target_width) / 2)
        y2 = math.ceil(h - (h - w * target_height / target_width) / 2)
    x1 = max(0, x1)
    x2 = min(x2, w - 1)
    y1 = max(0, y1)
    y2 = min(y2, h - 1)
    return [x1, y1, x2, y2]


def main():
    sizes = []
    for (w, h) in ((512, 768), (1000, 750), (1920, 1080), (720, 1280), (333, 999), (640, 480), (1024, 1024)):
        for ratio in (1.0, 0.5, 0.75, 1.3333):
            for max_edge in (None, 1280, 960):
                W, H = musev_size(w, h, ratio, max_edge)
                if W >= 64 and H >= 64:
                    sizes.append(dict(w=w, h=h, ratio=ratio, maxEdge=max_edge, width=W, height=H))
    crops = []
    for (w, h) in ((640, 480), (512, 512), (1920, 1080), (1080, 1920), (333, 999), (1001, 777), (100, 37)):
        for (tw, th) in ((512, 512), (512, 768), (768, 512), (448, 320), (320, 576)):
            crops.append(dict(srcW=w, srcH=h, dstW=tw, dstH=th, box=musev_crop(w, h, tw, th)))
    with open(OUT, "w") as f:
        json.dump(dict(source="models/golden/size.py (MuseV text2video.py size rule, MMCM crop box)", sizes=sizes, crops=crops), f)
    print("wrote", os.path.normpath(OUT), len(sizes), "sizes", len(crops), "crops")


if __name__ == "__main__":
    main()
