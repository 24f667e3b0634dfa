const sensorData = {
  stream_id: "motor_01_sensors",
  data_type: "IOT_SENSOR",
  payload: {
    temperature: 85.5,
    vibration: 2.3,
    rpm: 1750,
    power_draw: 5.2
  }
};
