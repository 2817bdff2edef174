// The typographic-attack lab (Goh et al. 2021). The build stamps words onto the page's photos and embeds them
// (explainer/attack.py, from content/attack.yaml); the reader picks a word and a placement (the store's chooseAttack,
// kept in the link) and sees the stamped photo and every candidate label's probability for it beside the clean
// photo's (rules/attack.js). A photo's stamped vectors, data/attack/<photo>.json, are fetched when the figure first
// needs them; until they land the build's first paint stays if it shows this view, else the figure says "loading".
import { decodeFloat16, rows } from '../rules/clipmath.js';
import { attackImage, attackView } from '../rules/attack.js';
import { $, cell, rowHeader } from '../ui/dom.js';

const files = new Map();  // photo id -> its file, decoded ({ words, placements, vectors: [word][placement] (dim,) })
const loading = new Map();  // photo id -> its fetch on the way
let latest = null;        // the newest view: drawn again when a file lands
let built = null;         // what the build's first paint shows: "photo\nword\nplacement"

function load(snap, photo) {
  if (loading.has(photo)) return;
  loading.set(photo, fetch(`${snap.attack.dir}/${photo}.json`)
    .then((response) => {
      if (!response.ok) throw new Error(`${snap.attack.dir}/${photo}.json: HTTP ${response.status}`);
      return response.json();
    })
    .then((data) => {
      const flat = rows(decodeFloat16(data.vectors), snap.model.dim);  // word by word, placement by placement
      const n = data.placements.length;
      files.set(photo, { ...data, vectors: data.words.map((_, i) => flat.slice(i * n, (i + 1) * n)) });
      if (latest) update(latest);
    })
    .catch(() => { loading.delete(photo); }));  // asked again by the next view
}

function init({ act }) {
  $('attack-word').addEventListener('change', (e) => act.chooseAttack({ ...latest.attack, word: e.target.value }));
  $('attack-placement').addEventListener('change',
    (e) => act.chooseAttack({ ...latest.attack, placement: e.target.value }));
}

/** The view is the build's first paint: the default photo, labels, template and temperature, the default stamp. */
function isFirstPaint(view, key) {
  const { snap } = view;
  return key === built && view.template.id === snap.default.template && view.tauIndex === snap.default.tau_index
    && view.labels.join('\n') === snap.default.labels.join('\n');
}

function say(figure, state, text) {
  figure.dataset.state = state;
  $('attack-summary').textContent = text;
  $('attack-table').tBodies[0].replaceChildren();
}

export function update(view) {
  latest = view;
  const figure = $('attack');
  const { word, placement } = view.attack;
  const placements = view.snap.attack.placements;
  const named = placements.find((p) => p.id === placement) ?? placements[0];
  built ??= `${figure.dataset.photo}\n${figure.dataset.word}\n${figure.dataset.placement}`;
  const key = `${view.photo.id}\n${word}\n${named.id}`;
  $('attack-word').value = word;
  $('attack-placement').value = named.id;
  if (!view.snap.photos.some((p) => p.id === view.photo.id)) {  // the reader's own photo: no stamped copies built
    figure.dataset.photo = view.photo.id;
    $('attack-image').hidden = true;
    say(figure, 'own', 'The stamped photos are built for the page’s own photos: choose one of them to try the attack.');
    return;
  }
  const data = files.get(view.photo.id);
  if (!data) {
    load(view.snap, view.photo.id);
    if (figure.dataset.state === 'ready' && isFirstPaint(view, key)) return;  // the build's rows are this view's
    say(figure, 'loading', 'Loading the stamped photos…');
    return;
  }
  const i = data.words.indexOf(word);
  const j = data.placements.indexOf(named.id);
  const shown = attackView({ labels: view.labels, image: view.image, stamped: data.vectors[i][j],
    texts: view.labels.map((label) => view.vector(label)), tau: view.tau, word, placement: named.name });
  const image = $('attack-image');
  image.hidden = false;
  image.src = attackImage(view.snap.attack.images, view.photo.id, i, j);
  image.alt = `${view.photo.title}, with the word “${word}” stamped ${named.name}`;
  Object.assign(figure.dataset, { photo: view.photo.id, word, placement: named.id, source: 'build', state: 'ready' });
  $('attack-summary').textContent = shown.summary;
  $('attack-table').tBodies[0].replaceChildren(...shown.rows.map((row) => {
    const tr = document.createElement('tr');
    Object.assign(tr.dataset, { label: row.label, prob: String(row.prob), probClean: String(row.clean) });
    tr.append(rowHeader(row.label), ...row.cells.map((text) => cell('td', text, 'num')));
    return tr;
  }));
}

export const figure = {
  name: 'attack', near: ['attack'],
  reads: ['attack', 'image', 'labels', 'photo', 'snap', 'tau', 'tauIndex', 'template', 'vector'],
  init, update,
};
