/* The overview's timeline: one bar per in-force window, a line at the chosen day. ECharts is served
   from /static/vendor; the data comes from the page (#timeline-data), the same as /api/v1/overview. */
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
    var height = api.size([0, 1])[1] * 0.6;
    var shape = echarts.graphic.clipRectByRect(
      { x: from[0], y: from[1] - height / 2, width: Math.max(to[0] - from[0], 2), height: height },
      { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height }
    );
    return shape && { type: "rect", transition: ["shape"], shape: shape, style: api.style() };
  }

  var chart = echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: narrow ? 8 : 16, right: 16, top: 30, bottom: 30, containLabel: true },
    tooltip: {
      confine: true,
      formatter: function (p) {
        var r = p.data.row;
        return r.kind + "：" + r.title + "<br>" + r.window + "<br>" + r.status_label;
      }
    },
    xAxis: { type: "time", min: min, max: max, axisLabel: { hideOverlap: true } },
    yAxis: {
      type: "category",
      inverse: true,
      data: rows.map(function (r) { return r.id; }),
      axisLabel: { fontSize: narrow ? 9 : 11, width: narrow ? 110 : 220, overflow: "truncate" }
    },
    series: [{
      type: "custom",
      renderItem: renderItem,
      encode: { x: [1, 2], y: 0 },
      data: items,
      markLine: {
        symbol: "none",
        silent: true,
        label: { formatter: "查询日 " + data.as_of, position: "end" },
        lineStyle: { color: "#b3261e", type: "dashed" },
        data: [{ xAxis: asOf }]
      }
    }]
  });
  el.dataset.ready = "1";
  window.addEventListener("resize", function () { chart.resize(); });
})();
