const transactionData = {
  stream_id: "user_transactions", 
  data_type: "ECOMMERCE_EVENT",
  payload: {
    user_id: "user_12345",
    amount: 2500.00,
    location: "New York",
    payment_method: "credit_card",
    session_duration: 120
  }
};
