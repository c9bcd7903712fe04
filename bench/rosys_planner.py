"""Runs RoSys's own path planner (rosys/pathplanning's DelaunayPlanner) on
maps the bench writes, for bench/planner.go.

Usage: python3 rosys_planner.py CHECKOUT MAP.json
CHECKOUT holds RoSys's `rosys` package (a checkout handed to the bench at
run time; nothing of it is kept here). MAP.json: robot_outline, obstacles
and areas in RoSys's shape, start, goal, repeats. Prints one JSON object:
the time of each repetition (a fresh planner each: map building and search,
as RoSys's planner process does for a new map), the path as splines, or
the error.

RoSys's packages import NiceGUI, which is not installed here: `nicegui` is
stubbed in sys.modules (every attribute a MagicMock), and the package
__init__s of rosys, rosys.driving, rosys.geometry and rosys.pathplanning
are skipped (empty packages pointing at their directories), so only the
planner's own modules and what they import run.
"""
import importlib
import importlib.abc
import importlib.machinery
import json
import os
import sys
import time
import types
from unittest import mock


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if name == 'nicegui' or name.startswith('nicegui.'):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        m = mock.MagicMock(name=spec.name)
        m.__path__ = []
        m.__spec__ = spec
        return m

    def exec_module(self, module):
        pass


def load(checkout):
    sys.meta_path.insert(0, _StubFinder())
    sys.path.insert(0, checkout)
    base = os.path.join(checkout, 'rosys')
    for pkg in ['rosys', 'rosys.driving', 'rosys.geometry', 'rosys.pathplanning']:
        m = types.ModuleType(pkg)
        m.__path__ = [os.path.join(base, *pkg.split('.')[1:])]
        sys.modules[pkg] = m
        if '.' in pkg:
            setattr(sys.modules['rosys'], pkg.split('.')[1], m)
    geometry = sys.modules['rosys.geometry']
    for mod in ['point', 'point3d', 'line', 'line_segment', 'polygon', 'pose', 'spline']:
        sub = importlib.import_module('rosys.geometry.' + mod)
        for name in dir(sub):
            if name[:1].isupper():
                setattr(geometry, name, getattr(sub, name))
    seg = importlib.import_module('rosys.driving.path_segment')
    sys.modules['rosys.driving'].PathSegment = seg.PathSegment
    dp = importlib.import_module('rosys.pathplanning.delaunay_planner')
    area = importlib.import_module('rosys.pathplanning.area')
    obstacle = importlib.import_module('rosys.pathplanning.obstacle')
    return dp.DelaunayPlanner, area.Area, obstacle.Obstacle, geometry.Point, geometry.Pose


def main():
    checkout, path = sys.argv[1], sys.argv[2]
    Planner, Area, Obstacle, Point, Pose = load(checkout)
    with open(path) as f:
        spec = json.load(f)
    outline = [tuple(p) for p in spec['robot_outline']]
    areas = [Area(id=a['id'], type=a.get('type') or None, color=a.get('color', 'green'), closed=a.get('closed', True),
                  outline=[Point(x=p['x'], y=p['y']) for p in a['outline']]) for a in spec['areas'].values()]
    obstacles = [Obstacle(id=o['id'], outline=[Point(x=p['x'], y=p['y']) for p in o['outline']])
                 for o in spec['obstacles'].values()]
    start = Pose(**spec['start'])
    goal = Pose(**spec['goal'])
    times, path, error = [], None, None
    for _ in range(spec['repeats']):
        planner = Planner(outline)
        t0 = time.perf_counter()
        try:
            planner.update_map(areas, obstacles, [start.point, goal.point], deadline=time.time() + 120)
            result = planner.search(start, goal)
        except Exception as e:  # RoSys raises RuntimeError when it finds no path
            times.append(time.perf_counter() - t0)
            error = f'{type(e).__name__}: {e}'
            continue
        times.append(time.perf_counter() - t0)
        path = [{'p': [[s.spline.start.x, s.spline.start.y], [s.spline.control1.x, s.spline.control1.y],
                       [s.spline.control2.x, s.spline.control2.y], [s.spline.end.x, s.spline.end.y]],
                 'backward': bool(s.backward)} for s in result]
    json.dump({'times': times, 'path': path, 'error': error}, sys.stdout)


if __name__ == '__main__':
    main()
