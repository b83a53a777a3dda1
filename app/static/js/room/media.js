// Local camera and microphone: the preview, device choice and a microphone level meter.

export async function listDevices() {
  const devices = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: devices.filter((d) => d.kind === "videoinput"),
    microphones: devices.filter((d) => d.kind === "audioinput"),
  };
}

// ``noiseSuppression`` is the browser's own filter for steady background noise (on unless told).
export async function openStream({ cameraId, microphoneId, noiseSuppression = true, video = true, audio = true } = {}) {
  const constraints = {
    audio: audio ? Object.assign({ noiseSuppression }, microphoneId ? { deviceId: { exact: microphoneId } } : {}) : false,
    video: video
      ? Object.assign({ width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } },
          cameraId ? { deviceId: { exact: cameraId } } : {})
      : false,
  };
  return navigator.mediaDevices.getUserMedia(constraints);
}

export function explainMediaError(error) {
  switch (error && error.name) {
    case "NotAllowedError":
      return "Your browser blocked the camera and microphone. Allow them in the site settings (the padlock next to the address), then reload.";
    case "NotFoundError":
      return "No camera or microphone was found. You can still join and listen.";
    case "NotReadableError":
      return "Another program is using your camera or microphone. Close it and try again.";
    default:
      return "We could not start your camera or microphone. You can still join without them.";
  }
}

export function fillSelect(select, devices, label, selectedId) {
  select.replaceChildren();
  devices.forEach((device, index) => {
    const option = document.createElement("option");
    option.value = device.deviceId;
    option.textContent = device.label || `${label} ${index + 1}`;
    option.selected = device.deviceId === selectedId;
    select.append(option);
  });
  if (!devices.length) {
    const option = document.createElement("option");
    option.textContent = `No ${label.toLowerCase()} found`;
    select.append(option);
  }
  select.disabled = devices.length < 2;
}

// Animate a bar with the microphone's loudness so people can see it works.
export function meter(stream, bar) {
  const track = stream.getAudioTracks()[0];
  if (!track || !window.AudioContext) return () => {};
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 256;
  context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
  const data = new Uint8Array(analyser.frequencyBinCount);
  let running = true;
  const tick = () => {
    if (!running) return;
    analyser.getByteFrequencyData(data);
    const level = Math.min(100, (data.reduce((a, b) => a + b, 0) / data.length) * 1.5);
    bar.style.width = `${level}%`;
    requestAnimationFrame(tick);
  };
  tick();
  return () => { running = false; context.close(); };
}
