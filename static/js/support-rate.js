/* The rating page of an e-mail's one-click link: submit the preselected
   choice at once. GET never records (mail scanners open links), so the POST
   this sends is the click; without JavaScript the button does it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-auto-submit]");
  if (form && !sessionStorage.getItem("rated:" + location.pathname + location.search)) {
    sessionStorage.setItem("rated:" + location.pathname + location.search, "1");
    form.submit();
  }
})();
