// Package simcam is the simulated camera: a camera.Source that renders the
// ground plane — a 1 m grid on soil, and coloured discs (markers) at known
// world positions — from the camera's pose (the robot's pose from a
// callback, composed with the calibration's extrinsics) through its
// calibration (pinhole or fisheye, with distortion), and emits it as JPEG
// at a fixed rate on the clock it is given. On a virtual clock its frames
// and their times are deterministic: the same poses at the same times give
// the same bytes.
//
// The markers' world positions are exported (Marker), so tests and the
// simulated detector can check what the camera saw: FindMarkers finds
// them in an image by colour (blob centroids), Visible projects them.
// Nothing here runs on the control loop; the pose callback must not block.
package simcam
