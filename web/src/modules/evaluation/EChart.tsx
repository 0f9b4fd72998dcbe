import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Only what the dashboards draw, so the page's bundle stays small; SVG keeps the few bars crisp and each one an element.
echarts.use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, SVGRenderer]);

export type ChartOption = echarts.EChartsCoreOption;

/** One ECharts chart; `onClick` gets the clicked item's data index. */
export function EChart({ option, onClick, height = 280, testId }: { option: ChartOption; onClick?: (dataIndex: number, seriesIndex: number) => void; height?: number; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const click = useRef(onClick);
  click.current = onClick;

  useEffect(() => {
    const el = ref.current!;
    const c = echarts.init(el, undefined, { renderer: 'svg' });
    chart.current = c;
    c.on('click', (p) => click.current?.(p.dataIndex, p.seriesIndex ?? 0));
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(el);
    return () => {
      resize.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);

  return <div ref={ref} style={{ width: '100%', height }} data-testid={testId} />;
}
