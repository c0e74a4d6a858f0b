/* Jianfu public complaint pages: steps, town -> village filter, named/anonymous, file
   checks, print, receipt code from the URL fragment. Everything works without this file. */
(function () {
  "use strict";

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function init() {
    document.documentElement.className += " js";
    all(".js-only").forEach(function (el) { el.hidden = false; });
    all("button.print").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    all("input[type=file]").forEach(watchFiles);
    filingSteps();
    townVillage();
    namedFields();
    codeFromFragment();
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  /* ---- the three steps of the filing form, one at a time ---- */
  function filingSteps() {
    var form = document.getElementById("filing");
    if (!form) { return; }
    var steps = all("fieldset.step", form);

    function show(number, moveFocus) {
      steps.forEach(function (step) { step.hidden = step.getAttribute("data-step") !== String(number); });
      form.setAttribute("data-current", String(number));
      if (moveFocus) {
        var legend = form.querySelector("#step-" + number + " legend");
        if (legend) {
          legend.setAttribute("tabindex", "-1");
          legend.focus();
        }
        window.scrollTo(0, form.getBoundingClientRect().top + window.pageYOffset - 8);
      }
    }

    function stepValid(step) {
      var fields = all("input, select, textarea", step);
      for (var i = 0; i < fields.length; i++) {
        if (!fields[i].disabled && !fields[i].checkValidity()) {
          fields[i].reportValidity();
          return false;
        }
      }
      return true;
    }

    all("button[data-go]", form).forEach(function (button) {
      button.addEventListener("click", function () {
        var current = Number(form.getAttribute("data-current") || "1");
        var target = Number(button.getAttribute("data-go"));
        if (target > current && !stepValid(form.querySelector("#step-" + current))) { return; }
        show(target, true);
      });
    });
    // A control the browser refuses on submit: open its step so it can be seen and fixed.
    form.addEventListener("invalid", function (event) {
      var step = event.target.closest && event.target.closest("fieldset.step");
      if (step && step.hidden) { show(step.getAttribute("data-step"), false); }
    }, true);
    show(form.getAttribute("data-first-step") || "1", false);
  }

  /* ---- town first, then only that town's villages ---- */
  function townVillage() {
    var town = document.getElementById("town_id");
    var village = document.getElementById("village_id");
    if (!town || !village) { return; }
    var placeholder = village.options[0].cloneNode(true);
    var villages = all("option", village).filter(function (o) { return o.value; }).map(function (o) {
      return { value: o.value, town: o.getAttribute("data-town"), name: o.getAttribute("data-name") };
    });
    var chosen = village.value;
    if (!town.value && chosen) {
      villages.forEach(function (v) { if (v.value === chosen) { town.value = v.town; } });
    }
    town.disabled = false;
    town.required = true;

    function fill() {
      var keep = village.value || chosen;
      chosen = "";
      while (village.firstChild) { village.removeChild(village.firstChild); }
      village.appendChild(placeholder.cloneNode(true));
      villages.forEach(function (v) {
        if (v.town === town.value) {
          var option = new Option(v.name, v.value, false, v.value === keep);
          option.setAttribute("data-town", v.town);
          option.setAttribute("data-name", v.name);
          village.appendChild(option);
        }
      });
      village.disabled = !town.value;
    }
    town.addEventListener("change", fill);
    fill();
  }

  /* ---- name and phone only when named ---- */
  function namedFields() {
    var box = document.getElementById("named-fields");
    var named = document.getElementById("anonymous-no");
    if (!box || !named) { return; }
    var inputs = all("input", box);
    function sync() {
      box.hidden = !named.checked;
      inputs.forEach(function (input) {
        input.disabled = !named.checked;  // a name typed, then "anonymous": never sent
        input.required = named.checked;
      });
    }
    all("input[name=anonymous]").forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }

  /* ---- count and size of chosen files ---- */
  function watchFiles(input) {
    var form = input.form;
    if (!form) { return; }
    var max = Number(form.getAttribute("data-max-files") || "6");
    var maxBytes = Number(form.getAttribute("data-max-mb") || "5") * 1024 * 1024;
    var status = input.parentNode.querySelector(".files-status");
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      var message = (form.getAttribute("data-chosen") || "{n}").replace("{n}", String(files.length));
      var problem = "";
      if (files.length > max) {
        problem = form.getAttribute("data-too-many") || "";
      } else if (files.some(function (f) { return f.size > maxBytes; })) {
        problem = form.getAttribute("data-too-big") || "";
      }
      input.setCustomValidity(problem);
      if (status) {
        status.textContent = problem || message;
        status.className = problem ? "files-status error" : "files-status";
      }
    });
  }

  /* ---- the QR code's #code=... into the tracking form, then out of the address bar ---- */
  function codeFromFragment() {
    var input = document.getElementById("code");
    var hash = window.location.hash || "";
    if (!input || hash.indexOf("#code=") !== 0) { return; }
    var digits = decodeURIComponent(hash.slice(6)).replace(/\D/g, "").slice(0, 16);
    input.value = digits.replace(/(\d{4})(?=\d)/g, "$1 ");
    if (window.history && window.history.replaceState) {
      window.history.replaceState(null, "", window.location.pathname + window.location.search);
    }
    /* The QR address opens the complaint at once (issue 18, item 6): the code goes in the
       form's POST body, as if typed; a wait page (slow mode) still asks for Continue. */
    var form = input.form;
    if (form && digits.length === 16 && !document.getElementById("slow-path")) {
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      return;
    }
    var submit = form && form.querySelector("button[type=submit]");
    if (submit) { submit.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
