// The inline snapshot (index.html's <script id="snapshot">, explainer/data.py make_snapshot): what the page was
// built with, read once, never written. The page's limits come from it, so Python says them once
// (explainer/settings.py PAGE_LABEL_LENGTH; the model's context_length).
export const snap = JSON.parse(document.getElementById('snapshot').textContent);

export const MAX_LABEL_LENGTH = snap.limits.label_length;  // characters: a longer label is refused (typed, in a link)
export const CONTEXT_LENGTH = snap.model.context_length;   // tokens the text tower reads, start and end included
