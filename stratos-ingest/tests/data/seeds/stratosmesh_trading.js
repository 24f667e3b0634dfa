const tradingData = {
  stream_id: "AAPL_prices",
  data_type: "MARKET_DATA", 
  payload: {
    symbol: "AAPL",
    price: 150.25,
    volume: 1000000,
    bid: 150.20,
    ask: 150.30
  }
};
