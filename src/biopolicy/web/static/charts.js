/* The overview's timeline: one bar per document's in-force window (and per measure whose own window
   differs from its document's), each titled above its bar so it reads on a phone too; the date axis
   at the top and the bottom; a line at the chosen day. ECharts is served from /static/vendor; the
   data comes from the page (#timeline-data), the same as /api/v1/overview. */
(function () {
  "use strict";
  var el = document.getElementById("timeline");
  var source = document.getElementById("timeline-data");
  if (!el || !source || typeof echarts === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = { in_force: "#0b6e4f", expired: "#9aa5b1", not_yet: "#a15c00", no_window: "#5b6b7b" };
  var rows = data.rows;
  var day = 24 * 3600 * 1000;
  var asOf = Date.parse(data.as_of);
  var starts = rows.map(function (r) { return r.start ? Date.parse(r.start) : null; }).filter(Boolean);
  var ends = rows.map(function (r) { return r.end ? Date.parse(r.end) : null; }).filter(Boolean);
  var min = Math.min.apply(null, starts.concat(ends, [asOf])) - 90 * day;
  var max = Math.max.apply(null, ends.concat(starts, [asOf])) + 90 * day;
  var narrow = el.clientWidth < 600;

  var items = rows.map(function (r, i) {
    return {
      value: [i, r.start ? Date.parse(r.start) : min, r.end ? Date.parse(r.end) + day - 1 : max],
      itemStyle: { color: colours[r.status] || "#5b6b7b" },
      row: r
    };
  });

  function renderItem(params, api) {
    var y = api.value(0);
    var from = api.coord([api.value(1), y]);
    var to = api.coord([api.value(2), y]);
    var band = api.size([0, 1])[1];
    var height = Math.min(band * 0.36, 16);
    var box = params.coordSys;
    var shape = echarts.graphic.clipRectByRect(
      { x: from[0], y: from[1], width: Math.max(to[0] - from[0], 2), height: height },
      { x: box.x, y: box.y, width: box.width, height: box.height }
    );
    var r = rows[params.dataIndex];
    var label = (r.kind === "措施" ? "· " : "") + r.title;
    return {
      type: "group",
      children: [
        shape && { type: "rect", shape: shape, style: api.style() },
        {
          type: "text",
          silent: true,
          style: {
            text: label,
            x: box.x + (r.kind === "措施" ? 12 : 0),
            y: from[1] - 3,
            verticalAlign: "bottom",
            fill: "#1d2733",
            font: (r.kind === "文件" ? "bold " : "") + (narrow ? "11px" : "13px") + " sans-serif",
            width: box.width - 4,
            overflow: "truncate"
          }
        }
      ].filter(Boolean)
    };
  }

  var axisLabel = { hideOverlap: true, fontSize: narrow ? 10 : 12 };
  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 34, bottom: 44, containLabel: false },
    tooltip: {
      confine: true,
      formatter: function (p) {
        var r = p.data.row;
        var more = r.measures && r.measures.length ? "<br>" + r.measures.length + " 项措施" : "";
        return r.kind + "：" + r.title + "<br>" + r.window + "<br>" + r.status_label + more;
      }
    },
    xAxis: [
      { type: "time", min: min, max: max, position: "top", axisLabel: axisLabel, splitLine: { show: true } },
      { type: "time", min: min, max: max, position: "bottom", axisLabel: axisLabel }
    ],
    yAxis: {
      type: "category",
      inverse: true,
      data: rows.map(function (r) { return r.id; }),
      axisLabel: { show: false },
      axisTick: { show: false }
    },
    series: [{
      type: "custom",
      renderItem: renderItem,
      encode: { x: [1, 2], y: 0 },
      data: items,
      markLine: {
        symbol: "none",
        silent: true,
        label: { formatter: "查询日", position: "end", fontSize: narrow ? 10 : 12, color: "#b3261e" },
        lineStyle: { color: "#b3261e", type: "dashed" },
        data: [{ xAxis: asOf }]
      }
    }]
  });
  el.dataset.ready = "1";
  window.addEventListener("resize", function () { chart.resize(); });
})();
