"""A small English prompt corpus (portrait / video words) for learning the demo tokenizer's merges.

Written for this project; the negative-prompt words follow MuseV's configs/model/negative_prompt.py
keys V1/V2 so that default prompts tokenize into few pieces.
"""

PROMPTS = [
    "(masterpiece, best quality, highres:1),(1girl, solo:1),(beautiful face, soft skin, costume:1),(eye blinks:1.8),(head wave:1.3)",
    "(masterpiece, best quality, highres:1), (1boy, solo:1), (eye blinks:1.8), (head wave:1.3)",
    "a girl smiling, eye blinks, masterpiece, best quality",
    "a portrait of a young woman with long black hair, looking at the camera, soft light",
    "a man talking to the camera, natural light, best quality, highres",
    "a girl is dancing, full body, street, sunset, cinematic lighting",
    "a boy waving his hand, smiling, blue sky, white clouds",
    "a woman turning her head slowly, wind in her hair, golden hour",
    "close up of a smiling face, eyes open, eyes closed, gentle smile",
    "an old man with a beard laughing, detailed skin, warm light",
    "a cat sitting by the window, rain outside, cozy room",
    "a dog running on the beach, waves, sunny day, slow motion",
    "anime style girl with pink hair, big eyes, school uniform, cherry blossoms",
    "oil painting of a lady in a red dress, renaissance style, museum",
    "a statue of a knight, stone, dramatic lighting, fog",
    "the moon over the sea, stars, night sky, calm water",
    "a city street at night, neon lights, people walking, reflections",
    "portrait photo, sharp focus, 8k, ultra detailed, realistic, photorealistic",
    "static video, camera fixed, subtle motion, breathing, hair moving",
    "a child reading a book under a tree, spring, flowers, butterflies",
    "a singer on stage, microphone, spotlight, crowd, concert",
    "a woman wearing glasses and a hat, autumn leaves, park, smiling",
    "a girl with a flower crown, meadow, soft focus, dreamy",
    "a man in a suit, office, serious face, nodding",
    "twins standing side by side, matching clothes, studio background",
    "nsfw, lowres, bad anatomy, bad hands, text, error, missing fingers, extra digit, fewer digits, cropped",
    "worst quality, low quality, normal quality, jpeg artifacts, signature, watermark, username, blurry",
    "(((multiple heads))), (((bad body))), (((two people))), ((extra arms)), ((deformed body)), paintings",
    "(((two heads))), ((big head)), sketches, (worst quality:2), (low quality:2), (normal quality:2), lowres",
    "((monochrome)), ((grayscale)), skin spots, acnes, skin blemishes, age spot, extra fingers",
    "(extra legs), (long neck), mutated hands, (fused fingers), (too many fingers), bad quality",
    "a girl smiles and blinks her eyes, head moves left and right, looking around",
    "the wind blows her long hair, she closes her eyes and opens them again",
    "a dancer spins around, dress flowing, motion blur, studio lights",
    "a young man with short brown hair and a white shirt, smiling, eye blinks",
    "a beautiful woman with red lips, earrings, necklace, elegant, best quality",
]


def corpus_text() -> str:
    return "\n".join(PROMPTS)
