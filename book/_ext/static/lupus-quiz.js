/* Static "check your understanding" questions: a radio group per question.
 * The feedback sentence for every option was written by the library (the
 * same as the JupyterLab widget gives) into the page as JSON; choosing an
 * option, with the mouse or the arrow keys, shows its sentence. */
(function () {
  "use strict";

  function setUp(fieldset) {
    var source = fieldset.querySelector("script.lupus-quiz-data");
    var status = fieldset.querySelector(".lupus-quiz-feedback");
    if (!source || !status) { return; }
    var feedback = JSON.parse(source.textContent).feedback;
    fieldset.addEventListener("change", function (event) {
      var input = event.target;
      if (!input || input.type !== "radio") { return; }
      var text = feedback[Number(input.value)] || "";
      status.textContent = text;
      var right = text.indexOf("Correct") === 0;
      fieldset.classList.toggle("lupus-quiz-right", right);
      fieldset.classList.toggle("lupus-quiz-wrong", !right);
    });
  }

  function setUpAll() {
    document.querySelectorAll("fieldset.lupus-quiz").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpAll);
  } else {
    setUpAll();
  }
})();
