"""Pixels of decoded video, read in the page: how sharp a picture is, and its average colour."""

# Detail in the picture's top half (where the fake camera has no person, so all of it is
# background): drawn at 640×480 whatever the decoded size, averaged over 4×4 blocks (which keeps
# the camera's edges but evens out the codec's fine blocking noise), then the mean absolute
# difference of luma between neighbouring blocks. A blurred background has far less of it than
# the camera. Median over five frames, as the fake camera's picture moves.
SHARPNESS = """
async (video) => {
  const canvas = document.createElement("canvas");
  canvas.width = 640;
  canvas.height = 480;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const [W, H, B] = [160, 60, 4];
  const values = [];
  for (let sample = 0; sample < 5; sample += 1) {
    await new Promise((resolve) => video.requestVideoFrameCallback(() => resolve()));
    context.drawImage(video, 0, 0, 640, 480);
    const { data } = context.getImageData(0, 0, 640, 240);
    const blocks = new Float32Array(W * H);
    for (let y = 0; y < 240; y += 1) {
      for (let x = 0; x < 640; x += 1) {
        const i = (y * 640 + x) * 4;
        const luma = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
        blocks[Math.floor(y / B) * W + Math.floor(x / B)] += luma / (B * B);
      }
    }
    let total = 0;
    for (let y = 0; y < H - 1; y += 1) {
      for (let x = 0; x < W - 1; x += 1) {
        const i = y * W + x;
        total += Math.abs(blocks[i] - blocks[i + 1]) + Math.abs(blocks[i] - blocks[i + W]);
      }
    }
    values.push(total / ((W - 1) * (H - 1)));
  }
  values.sort((a, b) => a - b);
  return values[2];
}
"""

# The average colour of a video element's current frame, as [r, g, b].
AVERAGE_COLOUR = """
async (video) => {
  await new Promise((resolve) => video.requestVideoFrameCallback(() => resolve()));
  const canvas = document.createElement("canvas");
  canvas.width = 64;
  canvas.height = 48;
  const context = canvas.getContext("2d", { willReadFrequently: true });
  context.drawImage(video, 0, 0, 64, 48);
  const { data } = context.getImageData(0, 0, 64, 48);
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c += 1) sum[c] += data[i + c];
  return sum.map((value) => value / (data.length / 4));
}
"""

# The fake camera exactly as the browser gives it, in a video element of its own.
RAW_CAMERA = """
async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 } });
  const video = document.createElement("video");
  video.muted = true;
  video.srcObject = stream;
  document.body.append(video);
  await video.play();
  return video;
}
"""
