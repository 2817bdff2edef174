// A chart's compiled spec laid out for a narrow screen. Pure; twin of narrow_spec in explainer/charts.py, which
// renders the same layout into the narrow static SVG (charts/<name>-narrow.svg), checked against it in Node.
export const NARROW_MEDIA = '(max-width: 527px)';  // charts under 480 px wide (the page's margins take 48 px)
const STAGGER = 14;  // px: the second row of staggered axis labels sits this much lower

/** The spec with rotated bottom-axis labels set level and staggered over two rows, each cut to two columns'
 *  width (the tooltip and the table have them whole); shortNames ({axis value: short name}) replaces that
 *  axis's names. null when the spec has no rotated labels (nothing to change). */
export function narrowSpec(spec, shortNames = null) {
  const rotated = (axis) => axis.orient === 'bottom' && axis.labelAngle;
  if (!spec.axes?.some(rotated)) return null;
  return { ...spec, axes: spec.axes.map((axis) => (rotated(axis) ? narrowAxis(axis, shortNames) : axis)) };
}

function narrowAxis(axis, shortNames) {
  const { scale } = axis;
  const update = { ...axis.encode?.labels?.update };
  update.dy = { signal: `round(datum.index * (length(domain('${scale}')) - 1)) % 2 ? ${STAGGER} : 0` };
  if (shortNames && Object.keys(shortNames).length) {
    const lookup = Object.entries(shortNames).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ');
    update.text = { signal: `{${lookup}}[datum.value] || datum.label` };
  }
  const labels = { ...axis.encode?.labels, update };
  return {
    ...axis, labelAngle: 0, labelAlign: 'center', labelBaseline: 'top',
    labelLimit: { signal: `max(20, 2 * bandwidth('${scale}') - 4)` }, encode: { ...axis.encode, labels },
  };
}

/** A template's name in the charts, as explainer/charts.py template_name writes it. */
export const templateName = (template, ensembleSize) => (template.ensemble ? `ensemble of ${ensembleSize}` : template.text);
