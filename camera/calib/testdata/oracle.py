"""The OpenCV oracle of camera/calib's tests.

Reads a JSON list of cases on stdin and writes a JSON list of results on
stdout, one per case. Each case names an OpenCV function and its inputs;
the Go test compares the results with its own. Written for Debian's
python3-opencv (4.6).
"""
import json
import sys

import cv2
import numpy as np


def camera(case):
    K = np.array(case['K'], dtype=np.float64)
    D = np.array(case['D'], dtype=np.float64)
    return K, D


def project(case):
    K, D = camera(case)
    pts = np.array(case['points'], dtype=np.float64).reshape(-1, 1, 3)
    rvec = np.array(case['rvec'], dtype=np.float64).reshape(3, 1)
    tvec = np.array(case['tvec'], dtype=np.float64).reshape(3, 1)
    if case['model'] == 'fisheye':
        out, _ = cv2.fisheye.projectPoints(pts, rvec, tvec, K, D)
    else:
        out, _ = cv2.projectPoints(pts, rvec, tvec, K, D)
    return out.reshape(-1, 2).tolist()


def undistort(case):
    K, D = camera(case)
    px = np.array(case['pixels'], dtype=np.float64).reshape(-1, 1, 2)
    criteria = (cv2.TERM_CRITERIA_COUNT | cv2.TERM_CRITERIA_EPS, 1000, 1e-12)
    if case['model'] == 'fisheye':
        out = cv2.fisheye.undistortPoints(px, K, D, criteria=criteria)
        default = cv2.fisheye.undistortPoints(px, K, D)
    else:
        out = cv2.undistortPointsIter(px, K, D, None, None, criteria)
        default = cv2.undistortPoints(px, K, D)
    return {'iter': out.reshape(-1, 2).tolist(), 'default': default.reshape(-1, 2).tolist()}


def solvepnp(case):
    K, D = camera(case)
    world = np.array(case['world'], dtype=np.float64).reshape(-1, 1, 3)
    px = np.array(case['pixels'], dtype=np.float64).reshape(-1, 1, 2)
    if case['model'] == 'fisheye':
        # solvePnP knows only the pinhole distortion: undistort first.
        norm = cv2.fisheye.undistortPoints(px, K, D)
        ok, rvec, tvec = cv2.solvePnP(world, norm, np.eye(3), None, flags=cv2.SOLVEPNP_ITERATIVE)
    else:
        ok, rvec, tvec = cv2.solvePnP(world, px, K, D, flags=cv2.SOLVEPNP_ITERATIVE)
    return {'ok': bool(ok), 'rvec': rvec.reshape(3).tolist(), 'tvec': tvec.reshape(3).tolist()}


def filestorage(case):
    """Writes a calibration with cv2.FileStorage, as OpenCV's calibration samples do."""
    fs = cv2.FileStorage(case['path'], cv2.FILE_STORAGE_WRITE)
    fs.write('image_width', case['width'])
    fs.write('image_height', case['height'])
    fs.write('camera_matrix', np.array(case['K'], dtype=np.float64))
    fs.write('distortion_coefficients', np.array(case['D'], dtype=np.float64).reshape(1, -1))
    fs.release()
    return {}


def main():
    cases = json.load(sys.stdin)
    ops = {'project': project, 'undistort': undistort, 'solvepnp': solvepnp, 'filestorage': filestorage}
    json.dump([ops[c['op']](c) for c in cases], sys.stdout)


if __name__ == '__main__':
    main()
