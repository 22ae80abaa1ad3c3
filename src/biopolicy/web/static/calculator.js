// 政策计算器: rows added and fields switched in place. Without this script the form still works:
// "添加成果", "添加已获奖励", "删除此项" and "按所选类型显示字段" are submit buttons the server answers.
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

  // 已获奖励: the achievement an award rewarded is chosen among the rows, named as the server
  // names them ("成果 1：临床试验阶段完成（甲片） 2026-06-30"); a row removed stays chosen, marked.
  function rowLabel(row, n) {
    var type = row.querySelector(".calc-type");
    var date = row.querySelector(".calc-date");
    var typed = type && type.value;
    var when = date ? date.value.trim() : "";
    if (!typed && !when) return "成果 " + n + "（未填写）";
    var label = "成果 " + n + "：" + (typed ? type.options[type.selectedIndex].text : "未选择类型");
    var about = row.querySelector('[name$=".product_name"]') || row.querySelector('[name$=".subject"]');
    var name = about ? about.value.trim() : "";
    if (name) label += "（" + name.slice(0, 40) + "）";
    return label + (when ? " " + when.slice(0, 20) : "");
  }

  function option(value, text) {
    var o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  function refreshAwardChoices(rows, awards) {
    if (!awards) return;
    var choices = [];
    rows.querySelectorAll(".calc-row").forEach(function (row, n) {
      choices.push(["e" + row.getAttribute("data-index"), rowLabel(row, n + 1)]);
    });
    awards.querySelectorAll(".calc-award-event").forEach(function (select) {
      var value = select.value;
      var first = select.options[0];
      select.textContent = "";
      select.appendChild(first);
      var found = !value;
      choices.forEach(function (c) {
        select.appendChild(option(c[0], c[1]));
        if (c[0] === value) found = true;
      });
      if (!found) select.appendChild(option(value, "（已删除的成果，请重新选择）"));
      select.value = value;
    });
    [["calc-product-names", '[name$=".product_name"]'], ["calc-subjects", '[name$=".subject"]']].forEach(function (pair) {
      var list = document.getElementById(pair[0]);
      if (!list) return;
      var seen = {};
      list.textContent = "";
      rows.querySelectorAll(pair[1]).forEach(function (input) {
        var v = input.value.trim();
        if (v && !seen[v]) { seen[v] = true; list.appendChild(option(v, v)); }
      });
    });
  }

  function showExternal(award, external) {
    var basis = award.querySelector(".calc-basis");
    var on = basis && basis.value === external;
    award.querySelectorAll(".calc-external").forEach(function (field) { field.hidden = !on; });
  }

  function setUpForm(form) {
    var rows = document.getElementById("calc-rows");
    var add = document.getElementById("calc-add");
    var awards = document.getElementById("calc-awards");
    var addAward = document.getElementById("calc-add-award");
    var external = awards ? awards.getAttribute("data-external") : null;
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

    // Achievements offered for the applicant's kind: a hospital is not offered a listing.
    var kind = document.getElementById("kind");
    function offerTypes(select) {
      var k = kind ? kind.value : "";
      Array.prototype.forEach.call(select.options, function (o) {
        if (!o.value) return;
        var off = k && (" " + o.getAttribute("data-kinds") + " ").indexOf(" " + k + " ") < 0 && !o.selected;
        o.hidden = !!off;
        o.disabled = !!off;
      });
    }
    function offerAllTypes() { form.querySelectorAll(".calc-type").forEach(offerTypes); }
    if (kind) kind.addEventListener("change", offerAllTypes);

    // Registration classes of the chosen product type only.
    var classes = {};
    try { classes = JSON.parse(form.getAttribute("data-classes") || "{}"); } catch (e) { classes = {}; }
    function offerClasses(typeSelect) {
      var product = typeSelect.closest(".calc-product");
      var reg = product && product.querySelector(".calc-reg");
      if (!reg) return;
      var list = typeSelect.value ? (classes[typeSelect.value] || []) : null;
      if (list === null) return;  // no type chosen: the server's full list stays
      var value = reg.value;
      var first = reg.options[0];
      reg.textContent = "";
      reg.appendChild(first);
      list.forEach(function (c) { reg.appendChild(option(c[0], c[1])); });
      reg.value = list.some(function (c) { return c[0] === value; }) ? value : "";
      reg.closest(".calc-field").hidden = list.length === 0;
    }

    // A yearly figure is asked with its year, not a day.
    function dateMode(row, select) {
      var chosen = select.options[select.selectedIndex];
      var yearly = !!(chosen && chosen.hasAttribute("data-yearly"));
      var input = row.querySelector(".calc-date");
      if (!input) return;
      var field = input.closest(".calc-field");
      if (field.classList.contains("calc-yearly") === yearly) return;
      field.classList.toggle("calc-yearly", yearly);
      var v = input.value.trim();
      if (yearly) {
        input.type = "text";
        input.setAttribute("inputmode", "numeric");
        input.placeholder = "如 2025";
        input.value = /^\d{4}/.test(v) ? v.slice(0, 4) : v;
      } else {
        input.removeAttribute("inputmode");
        input.placeholder = "";
        input.value = /^\d{4}$/.test(v) ? v + "-12-31" : v;
        input.type = "date";
      }
    }

    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.classList && target.classList.contains("calc-type")) {
        var row = target.closest(".calc-row");
        var box = row.querySelector(".calc-fields");
        box.innerHTML = target.value ? fieldsFor(target.value, row.getAttribute("data-index")) : "";
        dateMode(row, target);
      }
      if (target.name && /\.product_type$/.test(target.name)) offerClasses(target);
      if (target.classList && target.classList.contains("calc-basis")) {
        showExternal(target.closest(".calc-award"), external);
      }
      if (rows.contains(target)) refreshAwardChoices(rows, awards);
    });

    form.addEventListener("input", function (event) {
      if (event.target.hasAttribute && event.target.hasAttribute("data-money")) updateMoneyHint(event.target);
      if (rows.contains(event.target)) refreshAwardChoices(rows, awards);
    });
    form.querySelectorAll("[data-money]").forEach(updateMoneyHint);
    if (awards) {
      awards.querySelectorAll(".calc-award").forEach(function (a) { showExternal(a, external); });
      refreshAwardChoices(rows, awards);
    }

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
        offerTypes(row.querySelector(".calc-type"));
        renumber(rows);
        refreshAwardChoices(rows, awards);
        row.querySelector(".calc-type").focus();
      } else if (button.classList.contains("calc-remove")) {
        event.preventDefault();
        button.closest(".calc-row").remove();
        renumber(rows);
        refreshAwardChoices(rows, awards);
      } else if (button === addAward) {
        event.preventDefault();
        var most = parseInt(addAward.getAttribute("data-max"), 10) || 50;
        if (awards.querySelectorAll(".calc-award").length >= most) {
          window.alert("最多可填写 " + most + " 项已获奖励");
          return;
        }
        var at = nextIndex(awards);
        var box = document.createElement("div");
        box.innerHTML = template("calc-award-template").split("__i__").join(String(at));
        var award = box.firstElementChild;
        awards.appendChild(award);
        renumber(awards);
        showExternal(award, external);
        refreshAwardChoices(rows, awards);
        award.querySelector(".calc-basis").focus();
      } else if (button.classList.contains("calc-award-remove")) {
        event.preventDefault();
        button.closest(".calc-award").remove();
        renumber(awards);
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
