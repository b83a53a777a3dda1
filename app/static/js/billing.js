// Card entry for /user/billing: Stripe.js (or localstripe's stand-in) collects the card and
// confirms a SetupIntent our server made; only then is the form submitted, carrying no card data.

const form = document.querySelector("form[data-card-form]");
const errorBox = document.getElementById("card-errors");
const statusBox = document.getElementById("card-status");

const MESSAGES = {
  card_declined: "Your card was declined, so nothing was charged and your plan has not changed. Please try another card.",
  expired_card: "This card has expired. Please use another card.",
  incorrect_cvc: "The security code does not match this card. Check the three digits on the back.",
  incorrect_number: "The card number is not right. Check it and try again.",
  invalid_expiry_year: "The expiry year is not right. Check the date on your card.",
  processing_error: "The card could not be checked just now. Nothing was charged; please try again.",
};

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
  statusBox.textContent = "";
}

function clearError() {
  errorBox.textContent = "";
  errorBox.hidden = true;
}

function value(name) {
  const input = form.elements.namedItem(name);
  return input && input.value.trim() ? input.value.trim() : undefined;
}

function billingDetails() {
  const address = {
    country: value("billing_country"),
    line1: value("billing_line1"),
    postal_code: value("billing_postal_code"),
    city: value("billing_city"),
  };
  Object.keys(address).forEach((key) => address[key] === undefined && delete address[key]);
  const details = { name: value("billing_name"), email: value("billing_email") };
  if (Object.keys(address).length) details.address = address;
  Object.keys(details).forEach((key) => details[key] === undefined && delete details[key]);
  return details;
}

async function startSetup() {
  const response = await fetch(form.dataset.setupUrl, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": form.elements.namedItem("csrf_token").value,
    },
    body: JSON.stringify({ operation: value("operation") }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok || !body.client_secret) {
    throw new Error(body.error || "We could not start the card check. Nothing was charged; please try again.");
  }
  return body.client_secret;
}

if (form && typeof window.Stripe === "function") {
  const stripe = window.Stripe(form.dataset.stripeKey);
  const card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  const submit = form.querySelector("button[type=submit]");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    submit.disabled = true;
    statusBox.textContent = "Checking your card with Stripe…";
    try {
      const clientSecret = await startSetup();
      const details = billingDetails();
      const paymentMethod = { card };
      if (Object.keys(details).length) paymentMethod.billing_details = details;
      const result = await stripe.confirmCardSetup(clientSecret, { payment_method: paymentMethod });
      if (result.error) {
        const error = result.error;
        showError(MESSAGES[error.code] || MESSAGES[error.decline_code] || error.message || MESSAGES.processing_error);
        submit.disabled = false;
        return;
      }
      statusBox.textContent = "Card confirmed. Finishing…";
      form.submit();
    } catch (error) {
      showError(error.message || MESSAGES.processing_error);
      submit.disabled = false;
    }
  });
} else if (form) {
  showError("The card form could not load. Check your connection, or allow scripts from Stripe, then reload the page.");
  form.querySelector("button[type=submit]").disabled = true;
}
