// Print: a chart the page has not drawn yet (it draws charts as they come into view) would print empty, so
// before printing each empty chart gets its build-time SVG, shown only in print (style.css: .print-chart).

export function install() {
  window.addEventListener('beforeprint', () => {
    for (const chart of document.querySelectorAll('[data-chart]')) {
      if (chart.querySelector('svg, canvas, img')) continue;  // drawn, or given its SVG already
      const img = document.createElement('img');
      img.className = 'print-chart';
      img.src = `charts/${chart.dataset.chart}.svg`;
      img.alt = chart.getAttribute('aria-label') || '';
      img.loading = 'eager';
      chart.append(img);
    }
  });
}
