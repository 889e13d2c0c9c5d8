// dealtrail: the little script the pages use. Every action also works
// without it; this only adds keys and conveniences.
"use strict";

document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", function () {
  // "All on this page" for bulk actions.
  var all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input.pick").forEach(function (box) { box.checked = all.checked; });
    });
  }

  // The printable page's button.
  var print = document.getElementById("print-now");
  if (print) {
    print.addEventListener("click", function () { window.print(); });
  }

  // Review keys: j/k move between items, c confirm, u unlink, i ignore,
  // x select for a bulk action.
  var list = document.getElementById("review");
  if (!list) {
    return;
  }
  var items = Array.prototype.slice.call(list.querySelectorAll("li.activity"));
  function current() {
    var el = document.activeElement;
    return el && el.closest ? el.closest("li.activity") : null;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) {
      return;
    }
    var t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT") && t.type !== "checkbox") {
      return;
    }
    var item = current();
    var i = item ? items.indexOf(item) : -1;
    var target = null;
    switch (ev.key) {
      case "j":
        target = items[Math.min(i + 1, items.length - 1)];
        break;
      case "k":
        target = items[Math.max(i - 1, 0)];
        break;
      case "c":
      case "u":
      case "i":
        if (item) {
          var button = item.querySelector('button[data-key="' + ev.key + '"]');
          if (button) {
            ev.preventDefault();
            button.click();
          }
        }
        return;
      case "x":
        if (item) {
          var box = item.querySelector("input.pick");
          if (box) {
            box.checked = !box.checked;
          }
        }
        return;
      default:
        return;
    }
    if (target) {
      ev.preventDefault();
      target.focus();
      target.scrollIntoView({ block: "nearest" });
    }
  });
});
