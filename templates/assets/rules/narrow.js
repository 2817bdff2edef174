// A chart's compiled spec laid out for a narrow screen (NARROW_MEDIA). Pure: the page lays out its live charts
// with it, and the build (explainer/views.py) the narrow static SVGs (charts/<name>-narrow.svg).
import { NAME_ROOM, STAGGER } from './layout.js';

/** The spec with rotated bottom-axis labels set level and staggered over two rows (more where two columns are
 *  narrower than NAME_ROOM), each cut to as many columns' width (the tooltip and the table have it whole);
 *  shortNames ({axis value: short name}) replaces that axis's names; transpose (a heatmap) swaps its rows and
 *  columns first. null when the spec has no rotated labels (nothing to change). */
export function narrowSpec(spec, shortNames = null, transpose = false) {
  const rotated = (axis) => axis.orient === 'bottom' && axis.labelAngle;
  if (!spec.axes?.some(rotated)) return null;
  const axes = spec.axes.map((axis) => (rotated(axis) ? narrowAxis(axis, shortNames) : axis));
  return { ...(transpose ? transposed(spec) : spec), axes };
}

/** A heatmap's spec with rows and columns swapped: the x and y scales swap domains, the marks' x and y fields
 *  swap (the scales' ranges, the axes and the sizes stay). */
function transposed(spec) {
  const domains = Object.fromEntries(spec.scales.filter((s) => s.name === 'x' || s.name === 'y')
    .map((s) => [s.name, s.domain]));
  const scales = spec.scales.map((s) => (s.name in domains ? { ...s, domain: domains[s.name === 'x' ? 'y' : 'x'] }
    : s));
  const marks = spec.marks.map((mark) => {
    const update = { ...mark.encode.update };
    const { x, y } = update;
    if (x?.field !== undefined && y?.field !== undefined) {
      [update.x, update.y] = [{ ...x, field: y.field }, { ...y, field: x.field }];
    }
    return { ...mark, encode: { ...mark.encode, update } };
  });
  return { ...spec, scales, marks };
}

function narrowAxis(axis, shortNames) {
  const { scale } = axis;
  const update = { ...axis.encode?.labels?.update };
  const rows = `max(2, ceil(${NAME_ROOM} / bandwidth('${scale}')))`;
  update.dy = { signal: `round(datum.index * (length(domain('${scale}')) - 1)) % ${rows} * ${STAGGER}` };
  if (shortNames && Object.keys(shortNames).length) {
    const lookup = Object.entries(shortNames).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ');
    update.text = { signal: `{${lookup}}[datum.value] || datum.label` };
  }
  const labels = { ...axis.encode?.labels, update };
  return {
    ...axis, labelAngle: 0, labelAlign: 'center', labelBaseline: 'top',
    labelLimit: { signal: `${rows} * bandwidth('${scale}') - 4` }, encode: { ...axis.encode, labels },
  };
}

/** A template's name in the charts (the build's too). */
export const templateName = (template, ensembleSize) => (template.ensemble ? `ensemble of ${ensembleSize}`
  : template.text);
