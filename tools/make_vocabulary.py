"""Regenerate content/vocabulary.txt and content/ensemble-templates.txt from shipped data.

Run once by a maintainer; the outputs are committed and authors edit them by hand afterwards.
Sources (read as files, never imported, so no torchvision is needed):
  - open_clip_torch wheel: zero_shot_metadata.py (CLIP's 80 ImageNet templates, cleaned ImageNet-1k names)
  - timm wheel: timm/data/_info/imagenet_synset_to_lemma.txt and imagenet12k_synsets.txt (WordNet lemmas)
  - CIFAR-100 and COCO class names, listed below.

    python tools/make_vocabulary.py --timm-wheel timm-1.0.31-py3-none-any.whl
"""
import argparse
import ast
import importlib.metadata
import re
import zipfile
from pathlib import Path

CIFAR100 = """apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can
castle caterpillar cattle chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant
flatfish forest fox girl hamster house kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree
motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree plain plate poppy
porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider squirrel
streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale
willow_tree wolf woman worm""".split()

COCO = ["person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
        "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
        "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
        "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
        "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
        "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
        "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
        "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
        "scissors", "teddy bear", "hair drier", "toothbrush"]

# Everyday words the photos and the prose use that the lists above lack.
EXTRA = ["astronaut", "coffee", "cup of coffee", "coins", "photographer", "tabby cat", "kitten", "spacecraft",
         "space shuttle", "latte", "espresso", "money", "camera", "tripod", "launch", "smoke", "dog"]

TARGET = 6000
LABEL_RE = re.compile(r"^[A-Za-z][A-Za-z' -]*[A-Za-z]$")


def open_clip_metadata():
    """The 80 templates (as '{label}' strings) and ImageNet-1k names, parsed from the source text."""
    dist = importlib.metadata.distribution("open_clip_torch")
    path = next(f for f in dist.files if f.name == "zero_shot_metadata.py")
    tree = ast.parse(Path(dist.locate_file(path)).read_text())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
    templates = []
    for lam in found["OPENAI_IMAGENET_TEMPLATES"].elts:  # lambda c: f'a photo of a {c}.'
        parts = [p.value if isinstance(p, ast.Constant) else "{label}" for p in lam.body.values]
        templates.append("".join(parts))
    classnames = [c.value for c in found["IMAGENET_CLASSNAMES"].elts]
    return templates, classnames


def wordnet_lemmas(timm_wheel):
    with zipfile.ZipFile(timm_wheel) as zf:
        lemmas = dict(line.split("\t", 1) for line in
                      zf.read("timm/data/_info/imagenet_synset_to_lemma.txt").decode().splitlines())
        synsets = zf.read("timm/data/_info/imagenet12k_synsets.txt").decode().split()
    for synset in synsets:
        yield lemmas[synset].split(",")[0].strip().replace("_", " ")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timm-wheel", required=True)
    parser.add_argument("--content", default="content")
    args = parser.parse_args()

    templates, imagenet = open_clip_metadata()
    assert len(templates) == 80, len(templates)
    words, seen = [], set()
    sources = [imagenet, [c.replace("_", " ") for c in CIFAR100], COCO, EXTRA, wordnet_lemmas(args.timm_wheel)]
    for source in sources:
        for word in source:
            word = word.strip()
            key = word.lower()
            if key in seen or not LABEL_RE.match(word) or len(word) > 32 or word.count(" ") > 2:
                continue
            if len(words) >= TARGET:
                break
            seen.add(key)
            words.append(word)
    content = Path(args.content)
    header = ("# The pre-embedded vocabulary: one label per line, embedded under every template at build time.\n"
              "# Readers may add any of these as a candidate label. Lines starting with # are comments.\n"
              "# Sources: ImageNet-1k class names, CIFAR-100, COCO, WordNet lemmas (timm), a few everyday words.\n")
    (content / "vocabulary.txt").write_text(header + "\n".join(sorted(words, key=str.lower)) + "\n")
    (content / "ensemble-templates.txt").write_text(
        "# CLIP's 80 ImageNet prompt templates (Radford et al., 2021). The 'ensemble' template averages them.\n"
        + "\n".join(templates) + "\n")
    print(f"{len(words)} labels, {len(templates)} templates")


if __name__ == "__main__":
    main()
