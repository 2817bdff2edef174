// The layout constants the page, the build and the stylesheet share, in one place: the page's modules import
// them, the build reads them through its Node bridge (explainer/views.py), and the page's <link> to
// narrow.css carries NARROW_MEDIA (a media query cannot read a CSS custom property).
export const STATIC_WIDTH = 640;  // px: the static SVGs' width (the live charts fill their container)
export const NARROW_MEDIA = '(max-width: 527px)';  // screens whose charts are under 480 px (margins take 48 px)
export const NARROW_WIDTH = 327;  // px: a chart's width on a 375 px phone, the width of the narrow static SVGs
export const NARROW_TRANSPOSED = ['matrix'];  // heatmaps whose rows and columns swap on a narrow screen
export const STAGGER = 14;  // px: each further row of a narrow chart's staggered axis labels sits this much lower
export const NAME_ROOM = 66;  // px a staggered column name gets at least: as many rows as that takes (two or more)
export const FONT = 11;  // the smallest chart text, in px: legible on a phone
export const GAP_HEIGHT = 320;  // the modality-gap chart's plot height, px
export const GAP_PAD = 14;  // px kept empty at each end of the gap chart's scales, so no marker sits on the frame
export const CHART_LIMIT = 40;  // bars per chart; the tables hold every label
