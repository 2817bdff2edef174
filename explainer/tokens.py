"""Part of the compute stage: how CLIP's BPE tokenizer splits each label under each template, for the
tokens figure. Read with the `tokenizers` library from the checkpoint's tokenizer.json (the same file
CLIPTokenizer loads), so that a rebuild does not import transformers; cached by its inputs.

CLIP tokenises word by word, so "a photo of a {label}." is the template's words, the label's pieces and
the template's trailing pieces. Where that composition does not hold (a label that ends in punctuation
before a template's ".", say), the full token ids of that pair are stored as an exception. Every text is
cleaned first as CLIP's own tokenizer cleans it (textclean.clean), so the figure shows the pieces the model
reads.
"""
import hashlib
import json
from pathlib import Path

from .textclean import clean


def token_table(content, model_files, cache):
    """{'pieces': {id: text}, 'templates': {id: {'before', 'after'}}, 'labels': [ids per vocabulary label],
    'exceptions': {template id: {label index: ids}}}; ids exclude the start and end tokens."""
    tokenizer_file = Path(model_files.folder) / "tokenizer.json"
    texts = [t.text for t in content.templates if not t.ensemble]
    inputs = tokenizer_file.read_bytes() + json.dumps([texts, content.vocabulary, "cleaned"]).encode()
    key = hashlib.sha256(inputs).hexdigest()
    return cache.memo("tokens", f"{key[:32]}.json", lambda: make_token_table(tokenizer_file, content))


def make_token_table(tokenizer_file, content):
    """The table above, on a cache miss."""
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(str(tokenizer_file))
    tokenizer.no_truncation()

    def encode(texts, special=False):
        return [e.ids for e in tokenizer.encode_batch(texts, add_special_tokens=special)]

    cleaned = [clean(label) for label in content.vocabulary]
    labels = encode(cleaned)
    table = {"templates": {}, "labels": labels, "exceptions": {}}
    used = {i for ids in labels for i in ids}
    for template in content.templates:
        if template.ensemble:
            continue
        before, after = template.text.split("{label}")
        parts = dict(zip(("before", "after"), encode([clean(before), clean(after)]), strict=True))
        table["templates"][template.id] = parts
        used.update(parts["before"] + parts["after"])
        # only a label's two ends can interact with the template (the tokenizer splits at word boundaries)
        check = [i for i, label in enumerate(cleaned) if may_join(before, label, after)]
        full = encode([clean(template.fill(cleaned[i])) for i in check])
        exceptions = {str(i): ids for i, ids in zip(check, full, strict=True)
                      if ids != parts["before"] + labels[i] + parts["after"]}
        if exceptions:
            table["exceptions"][template.id] = exceptions
            used.update(i for ids in exceptions.values() for i in ids)
    special = encode(["<|startoftext|><|endoftext|>"])[0]
    table["special"] = special
    table["pieces"] = {str(i): tokenizer.id_to_token(i) for i in sorted(used | set(special))}
    return table


def may_join(before, label, after):
    """Could the label's first or last piece merge with the template's text next to it? Only when that text
    touches the label without a space, or the label starts or ends with something other than a letter
    or digit (punctuation runs are one token)."""
    return (not label[:1].isalnum() or not label[-1:].isalnum()
            or before[-1:].isalnum() or after[:1].isalnum() or (before and not before[-1].isspace())
            or (after and not after[0].isspace() and after[0].isalnum()))


def snapshot_tokens(table, content, context_length):
    """The part of the table the first view needs: the templates and the default labels' pieces.
    context_length: the checkpoint's text positions, start and end tokens included (77 for CLIP)."""
    where = {label: i for i, label in enumerate(content.vocabulary)}
    labels = {label: table["labels"][where[label]] for label in content.default_labels}
    exceptions = {t: {content.vocabulary[int(i)]: ids for i, ids in e.items()
                      if content.vocabulary[int(i)] in labels} for t, e in table["exceptions"].items()}
    used = {i for ids in labels.values() for i in ids} | set(table["special"])
    used |= {i for parts in table["templates"].values() for ids in parts.values() for i in ids}
    used |= {i for e in exceptions.values() for ids in e.values() for i in ids}
    example = None
    if content.token_example is not None:  # shown on its own, without a template: the label's pieces
        example = {"label": content.token_example, "ids": table["labels"][where[content.token_example]]}
        used |= set(example["ids"])
    return {"context_length": context_length, "special": table["special"], "templates": table["templates"],
            "labels": labels, "exceptions": exceptions, "example": example,
            "pieces": {str(i): table["pieces"][str(i)] for i in sorted(used)}}
