/** The charts' colours, the app's palette (styles.css :root) as canvas needs them: literal values, not CSS variables. */
export const CHART_COLORS = {
  background: '#171d24',
  text: '#9aa5b1',
  grid: '#2a323c',
  accent: '#4ea1ff',
  up: '#26a269',
  down: '#e5484d',
  upVolume: 'rgba(38, 162, 105, 0.5)',
  downVolume: 'rgba(229, 72, 77, 0.5)',
  /** The smile's two lines. */
  calls: '#4ea1ff',
  puts: '#f0a04b',
} as const;
