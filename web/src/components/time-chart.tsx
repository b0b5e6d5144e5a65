import { useEffect, useLayoutEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** CSS colour. */
  stroke: string;
  values: (number | null)[];
  dash?: number[];
}

export interface TimeChartProps {
  title: string;
  unit: string;
  /** Unix seconds. */
  x: number[];
  series: ChartSeries[];
  height?: number;
}

function options(props: TimeChartProps, width: number): uPlot.Options {
  const { unit } = props;
  return {
    width,
    height: props.height ?? 170,
    legend: { show: true, live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [
      { stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.18)' } },
      {
        stroke: 'currentColor',
        grid: { stroke: 'rgba(128,128,128,0.18)' },
        size: 48,
        values: (_u, splits) => splits.map((v) => String(+v.toFixed(2))),
      },
    ],
    series: [
      {},
      ...props.series.map((s) => ({
        label: s.label,
        stroke: s.stroke,
        width: 2,
        spanGaps: false,
        ...(s.dash ? { dash: s.dash } : {}),
        value: (_u: uPlot, v: number | null) =>
          v === null || v === undefined ? '—' : `${+v.toFixed(2)} ${unit}`.trim(),
      })),
    ],
  };
}

/** A small uPlot line chart that follows its container's width. */
export function TimeChart(props: TimeChartProps) {
  const { title, x, series } = props;
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | undefined>(undefined);
  const shape = `${series.map((s) => s.label).join('|')}|${props.unit}`;

  useLayoutEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const plot = new uPlot(
      options(props, Math.max(200, host.clientWidth)),
      [x, ...series.map((s) => s.values)] as uPlot.AlignedData,
      host,
    );
    plotRef.current = plot;
    const observer = new ResizeObserver(() => {
      plot.setSize({ width: Math.max(200, host.clientWidth), height: props.height ?? 170 });
    });
    observer.observe(host);
    return () => {
      observer.disconnect();
      plot.destroy();
      plotRef.current = undefined;
    };
    // Rebuilt only when the series themselves change; data updates go through setData below.
  }, [shape]);

  useEffect(() => {
    plotRef.current?.setData([x, ...series.map((s) => s.values)] as uPlot.AlignedData);
  }, [x, series]);

  return (
    <figure className="chart">
      <figcaption>
        {title}
        {props.unit && <span className="heading-note"> ({props.unit})</span>}
      </figcaption>
      <div ref={hostRef} className="chart-host" aria-hidden="true" />
    </figure>
  );
}
