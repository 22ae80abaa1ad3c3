// 政策计算器: rows added and fields switched in place. Without this script the form still works:
// "添加事件", "删除此项" and "按所选类型显示字段" are submit buttons the server answers.
(function () {
  "use strict";

  var WAN = 10000;

  function template(id) {
    var t = document.getElementById(id);
    return t ? t.innerHTML : null;
  }

  // A row's fields come from the <template> the server rendered for its event type, with the
  // row number in place of "__i__".
  function fieldsFor(type, index) {
    var html = template("calc-fields-" + type);
    return html === null ? "" : html.split("__i__").join(String(index));
  }

  function nextIndex(rows) {
    var max = -1;
    rows.querySelectorAll(".calc-row").forEach(function (row) {
      var i = parseInt(row.getAttribute("data-index"), 10);
      if (!isNaN(i) && i > max) max = i;
    });
    return max + 1;
  }

  function renumber(rows) {
    rows.querySelectorAll(".calc-row").forEach(function (row, n) {
      var no = row.querySelector(".calc-row-no");
      if (no) no.textContent = String(n + 1);
    });
  }

  function formatWan(text) {
    var t = text.replace(/[,，\s]/g, "").replace(/元$/, "");
    var factor = 1;
    if (/万$/.test(t)) { t = t.slice(0, -1); factor = WAN; }
    else if (/亿$/.test(t)) { t = t.slice(0, -1); factor = WAN * WAN; }
    if (!/^\d+(\.\d+)?$/.test(t)) return null;
    var yuan = parseFloat(t) * factor;
    var wan = Math.round((yuan / WAN) * 10000) / 10000;
    return "即 " + wan.toLocaleString("zh-CN", { maximumFractionDigits: 4 }) + " 万元";
  }

  function updateMoneyHint(input) {
    var field = input.closest(".calc-field");
    var hint = field && field.querySelector("[data-wan]");
    if (!hint) return;
    if (!hint.hasAttribute("data-default")) hint.setAttribute("data-default", hint.textContent);
    var shown = input.value.trim() ? formatWan(input.value) : null;
    hint.textContent = shown || hint.getAttribute("data-default");
  }

  function setUpForm(form) {
    var rows = document.getElementById("calc-rows");
    var add = document.getElementById("calc-add");
    var city = document.getElementById("city");
    var district = form.querySelector(".calc-district");

    form.classList.add("calc-js");

    function showDistrict() {
      if (!district || !city) return;
      var on = city.value === district.getAttribute("data-city");
      district.hidden = !on;
      if (!on) district.querySelector("select").value = "";
    }
    if (city) { city.addEventListener("change", showDistrict); showDistrict(); }

    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.classList && target.classList.contains("calc-type")) {
        var row = target.closest(".calc-row");
        var box = row.querySelector(".calc-fields");
        box.innerHTML = target.value ? fieldsFor(target.value, row.getAttribute("data-index")) : "";
      }
    });

    form.addEventListener("input", function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute("data-money")) updateMoneyHint(event.target);
    });
    form.querySelectorAll("[data-money]").forEach(updateMoneyHint);

    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      if (button === add) {
        event.preventDefault();
        var max = parseInt(add.getAttribute("data-max"), 10) || 50;
        if (rows.querySelectorAll(".calc-row").length >= max) {
          window.alert("最多可填写 " + max + " 项成果");
          return;
        }
        var index = nextIndex(rows);
        var holder = document.createElement("div");
        holder.innerHTML = template("calc-row-template").split("__i__").join(String(index));
        var row = holder.firstElementChild;
        rows.appendChild(row);
        renumber(rows);
        row.querySelector(".calc-type").focus();
      } else if (button.classList.contains("calc-remove")) {
        event.preventDefault();
        button.closest(".calc-row").remove();
        renumber(rows);
      }
    });

    var focus = form.getAttribute("data-focus");
    if (focus) {
      var el = document.getElementById(focus);
      if (el) el.focus();
    }
  }

  function setUpResult() {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-copy]").forEach(function (b) {
      b.addEventListener("click", function () {
        var input = document.getElementById(b.getAttribute("data-copy"));
        input.select();
        var done = function () { b.textContent = "已复制"; };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
    // a printed result shows everything, the collapsed parts included
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details").forEach(function (d) { d.setAttribute("open", ""); });
    });
  }

  function start() {
    var form = document.getElementById("calc-form");
    if (form) setUpForm(form);
    setUpResult();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
