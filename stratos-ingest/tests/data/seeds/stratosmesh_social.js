const socialData = {
  stream_id: "brand_mentions",
  data_type: "CUSTOM",
  payload: {
    platform: "twitter",
    mentions: 1250,
    sentiment: 0.75,
    reach: 50000,
    engagement_rate: 0.05
  }
};
