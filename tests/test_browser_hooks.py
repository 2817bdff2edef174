"""The data-testid hooks are a contract for checks from outside the project: each one is on the page,
on the right kind of element, and the candidate rows carry their label, similarity and probability at
full float64 precision (String(x), not rounded), before and after the reader changes the view."""
import numpy as np

HOOKS = {  # data-testid -> the element it must be on
    "photo-picker": "DIV", "template-select": "SELECT", "label-input": "INPUT", "temperature": "INPUT",
    "top-label": "DD", "top-prob": "DD", "entropy": "DD",
}


def hooked(page):
    return page.evaluate("""(ids) => {
        const one = (id) => [...document.querySelectorAll(`[data-testid="${id}"]`)];
        const rows = one('label-row').map((tr) => ({ tag: tr.tagName, label: tr.dataset.label, sim: tr.dataset.sim,
                                                    prob: tr.dataset.prob }));
        return { rows, tags: Object.fromEntries(ids.map((id) => [id, one(id).map((el) => el.tagName)])),
                 types: [one('label-input')[0]?.type, one('temperature')[0]?.type],
                 photos: one('photo-picker')[0]?.querySelectorAll('input[type=radio]').length ?? 0,
                 text: Object.fromEntries(['top-label', 'top-prob', 'entropy']
                   .map((id) => [id, one(id)[0]?.textContent])),
                 tau: Number(one('temperature')[0]?.value), template: one('template-select')[0]?.value,
                 photo: document.querySelector('[data-testid="photo-picker"] input:checked')?.value };
    }""", list(HOOKS))


def check_hooks(page, stored):
    found = hooked(page)
    assert found["tags"] == {hook: [tag] for hook, tag in HOOKS.items()}  # each hook once, on its element
    assert found["types"] == ["text", "range"] and found["photos"] == len(stored.photo_ids)
    rows = found["rows"]
    assert rows and all(row["tag"] == "TR" for row in rows)
    labels = [row["label"] for row in rows]
    tau = stored.embeddings["temperatures"][int(found["tau"])]
    sims, probs, entropy = stored.view(found["photo"], found["template"], labels, tau)
    # full precision: float64 sums in another order differ by far less than any rounding to 6 decimals would
    np.testing.assert_allclose([float(row["sim"]) for row in rows], sims, rtol=0, atol=1e-12)
    np.testing.assert_allclose([float(row["prob"]) for row in rows], probs, rtol=1e-9, atol=1e-12)
    assert all(len(row["prob"].split(".")[-1]) > 6 for row in rows if "e" not in row["prob"])
    top = int(np.argmax(probs))
    assert found["text"]["top-label"] == labels[top]
    assert found["text"]["top-prob"] == f"{100 * probs[top]:.1f}%"
    assert float(found["text"]["entropy"]) == round(entropy, 3)
    return found


def test_every_hook_is_on_the_page_with_full_precision_rows(open_page, server):
    page, _ = open_page()
    stored = server[2]
    check_hooks(page, stored)
    page.locator("[data-testid=temperature]").focus()
    page.keyboard.press("ArrowRight")  # only the probabilities change: the rows are updated in place
    page.select_option("[data-testid=template-select]", "drawing")
    page.check("[data-testid=photo-picker] input[value=rocket]", force=True)
    page.fill("[data-testid=label-input]", "kitten")
    page.press("[data-testid=label-input]", "Enter")
    page.wait_for_selector("[data-testid=label-row][data-label=kitten]", timeout=15000)
    page.locator("[data-testid=temperature]").focus()
    page.keyboard.press("ArrowLeft")
    found = check_hooks(page, stored)
    assert (found["photo"], found["template"], found["rows"][-1]["label"]) == ("rocket", "drawing", "kitten")
