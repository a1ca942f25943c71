export { collectRunDiagnostics, conductanceHistograms, writeRunDiagnostics, CONDUCTANCES_FILE, READ_ERROR_FILE, READ_ERROR_ROWS } from './diagnostics.js';
export type { ConductanceFile, Histogram, ReadError, ReadErrorFile, RunDiagnostics } from './diagnostics.js';
export { loadRun, type RunData } from './load.js';
export { renderReport, runLabel, ACTIVITY_COLUMNS } from './html.js';
export { barChart, histogramPlot, linePlot, niceTicks, formatTick, type BarSeries, type HistogramSeries, type LineSeries } from './svg.js';
