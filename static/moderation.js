// Moderation queue and comment page, for those with a keyboard: a progressive enhancement.
// Without this script every action is a button and "Apply to all on this page" selects all.
// j / k move the focus between comments; a, s, d press that comment's Approve, Spam or Delete
// button (the same POST as a click). A real select-all checkbox joins the queue's table.
(function () {
  "use strict";

  var KEYS = { a: "approve", s: "spam", d: "delete" };
  var items = Array.prototype.slice.call(document.querySelectorAll(".moderation-item"));
  if (!items.length) {
    return;
  }

  var hint = document.getElementById("moderation-shortcuts");
  if (hint) {
    hint.hidden = false;
  }

  function typing(target) {
    if (target.tagName === "INPUT") {
      return !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
    }
    return target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT";
  }

  // The comment the keys act on: the one holding the focus, else the one marked "current"
  // (the focus may have left for the page itself).
  function current() {
    var active = document.activeElement;
    var marked = -1;
    for (var i = 0; i < items.length; i += 1) {
      if (items[i] === active || items[i].contains(active)) {
        return i;
      }
      if (items[i].classList.contains("current")) {
        marked = i;
      }
    }
    return marked;
  }

  function mark(index) {
    items.forEach(function (item, i) { item.classList.toggle("current", i === index); });
  }

  function move(step) {
    var index = current();
    var next = index === -1 ? (step > 0 ? 0 : items.length - 1) : index + step;
    if (next >= 0 && next < items.length) {
      mark(next);
      items[next].focus();
      items[next].scrollIntoView({ block: "nearest" });
    }
  }

  function press(action) {
    var index = current();
    if (index === -1 && items.length === 1) {
      index = 0; // the comment's own page: there is only the one
    }
    if (index === -1) {
      return;
    }
    var button = items[index].querySelector('button[data-action="' + action + '"]');
    if (button) {
      button.click();
    }
  }

  document.addEventListener("focusin", function () {
    var index = current();
    if (index !== -1) {
      mark(index);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey ||
        event.shiftKey || typing(event.target)) {
      return;
    }
    if (event.key === "j" || event.key === "k") {
      event.preventDefault();
      move(event.key === "j" ? 1 : -1);
    } else if (KEYS[event.key]) {
      event.preventDefault();
      press(KEYS[event.key]);
    }
  });

  // A checkbox in the table's head that ticks every row's box.
  var head = document.querySelector("table.moderation thead th");
  var boxes = Array.prototype.slice.call(
    document.querySelectorAll('table.moderation input[type="checkbox"][name="ids"]'));
  if (head && boxes.length) {
    var all = document.createElement("input");
    all.type = "checkbox";
    all.id = "select-all";
    var label = document.createElement("label");
    label.htmlFor = all.id;
    label.textContent = "All";
    head.textContent = "";
    head.appendChild(all);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(label);
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        var ticked = boxes.filter(function (b) { return b.checked; }).length;
        all.checked = ticked === boxes.length;
        all.indeterminate = ticked > 0 && ticked < boxes.length;
      });
    });
  }
}());
