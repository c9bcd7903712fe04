package ui_test

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/gorosys/rosys"
	"github.com/gorosys/rosys/automation"
	"github.com/gorosys/rosys/pathplanning"
	"github.com/gorosys/rosys/persistence/persistencetest"
	"github.com/gorosys/rosys/robot"
	"github.com/gorosys/rosys/rosystest"
	"github.com/gorosys/rosys/storage"
	"github.com/gorosys/rosys/ui"
	"go.uber.org/zap/zaptest"
)

// plannerRobot runs a robot of robot.Assemble (path_planner, goto) on the
// real clock behind the API, as `rosys run` does with a robot.yaml.
func plannerRobot(t *testing.T) (*robot.Robot, *httptest.Server) {
	t.Helper()
	rt := rosys.New(rosys.Config{Name: "field", Storage: storage.New(persistencetest.Open(t, t.TempDir()), nil), Log: zaptest.NewLogger(t),
		Notifier: rosystest.NoNotify{}, DisableRealtime: true, SharedP: true})
	r, err := robot.Assemble(rt, robot.Hardware{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	select {
	case <-rt.Ready():
	case err := <-done:
		t.Fatal(err)
	}
	api := ui.NewServer(rt, ui.WithHardware(r.Hardware), ui.WithNavigator(r.Navigator),
		ui.WithOperation(ui.Operation{Automator: r.Automator, Steerer: r.Steerer, SoftEStop: r.SoftEStop, Driving: r.Driving,
			Stops: r.Stops, Commit: r.CommitOperating}))
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Cleanup(api.CloseStreams)
	return r, srv
}

// screenOf is the page position of map point (x, y) now.
func screenOf(ctx context.Context, x, y float64) (float64, float64, error) {
	var xy []float64
	err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`(() => { const m = document.querySelector('#map').getScreenCTM();
		const p = new DOMPoint(%g, %g).matrixTransform(m); return [p.x, p.y]; })()`, x, -y), &xy))
	if err == nil && len(xy) != 2 {
		err = fmt.Errorf("no position: %v", xy)
	}
	if err != nil {
		return 0, 0, err
	}
	return xy[0], xy[1], nil
}

// pointer presses at map point a, moves to b (when not nil) and releases
// there: a tap or a drag, by touch on a phone, by mouse on a desktop.
func pointer(ctx context.Context, touch bool, a pathplanning.Point, b *pathplanning.Point) error {
	x0, y0, err := screenOf(ctx, a.X, a.Y)
	if err != nil {
		return err
	}
	x1, y1 := x0, y0
	if b != nil {
		// The map keeps its view while a shape is dragged.
		bx, by, err := screenOf(ctx, b.X, b.Y)
		if err != nil {
			return err
		}
		x1, y1 = bx, by
	}
	var acts []chromedp.Action
	if touch {
		tp := func(x, y float64) []*input.TouchPoint { return []*input.TouchPoint{{X: x, Y: y}} }
		acts = append(acts, input.DispatchTouchEvent(input.TouchStart, tp(x0, y0)))
		for i := 1; b != nil && i <= 5; i++ {
			f := float64(i) / 5
			acts = append(acts, input.DispatchTouchEvent(input.TouchMove, tp(x0+f*(x1-x0), y0+f*(y1-y0))))
		}
		acts = append(acts, input.DispatchTouchEvent(input.TouchEnd, []*input.TouchPoint{}))
	} else {
		acts = append(acts, input.DispatchMouseEvent(input.MousePressed, x0, y0).WithButton(input.Left).WithClickCount(1))
		for i := 1; b != nil && i <= 5; i++ {
			f := float64(i) / 5
			acts = append(acts, input.DispatchMouseEvent(input.MouseMoved, x0+f*(x1-x0), y0+f*(y1-y0)).WithButton(input.Left))
		}
		acts = append(acts, input.DispatchMouseEvent(input.MouseReleased, x1, y1).WithButton(input.Left).WithClickCount(1))
	}
	return chromedp.Run(ctx, acts...)
}

func near(a, b pathplanning.Point, tol float64) bool { return math.Hypot(a.X-b.X, a.Y-b.Y) <= tol }

// waitFor polls cond on the Go side; the bound only turns a page that
// never gets there into a failure.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Issue 26: obstacles drawn, moved and deleted on the map, and a click
// that sends the robot, its planned path drawn; at a phone's width by
// touch and at a desktop's by mouse.
func TestPlannerOnTheMap(t *testing.T) {
	browserTest(t)
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
		t.Run(vp.name, func(t *testing.T) {
			r, srv := plannerRobot(t)
			touch := vp.w < 800
			ctx := newBrowser(t)
			errs := consoleErrors(ctx)
			// A field around the robot gives the map its size: 10 × 8 m.
			if err := r.World.SetArea(pathplanning.Area{ID: "field", Color: "green", Closed: true,
				Outline: []pathplanning.Point{{X: -2, Y: -4}, {X: 8, Y: -4}, {X: 8, Y: 4}, {X: -2, Y: 4}}}); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Run(ctx, viewport(vp.w, vp.h), chromedp.Navigate(srv.URL),
				poll(`document.querySelectorAll('#planner-areas polygon').length === 1`),
				chromedp.ScrollIntoView("#map", chromedp.ByID)); err != nil {
				t.Fatal(err)
			}

			corners := []pathplanning.Point{{X: 3, Y: 1.5}, {X: 4, Y: 1.5}, {X: 4, Y: 2.5}, {X: 3, Y: 2.5}}
			t.Run("draw an obstacle", func(t *testing.T) {
				if err := chromedp.Run(ctx, chromedp.Click("#tool-obstacle", chromedp.ByID)); err != nil {
					t.Fatal(err)
				}
				for i, c := range corners {
					if err := pointer(ctx, touch, c, nil); err != nil {
						t.Fatal(err)
					}
					if err := chromedp.Run(ctx, poll(fmt.Sprintf(`document.querySelectorAll('#planner-draft .draft-point').length === %d`, i+1))); err != nil {
						var dbg string
						x, y, _ := screenOf(ctx, c.X, c.Y)
						_ = chromedp.Run(ctx, chromedp.Evaluate(`JSON.stringify({mode: planner.mode, draft: planner.draft, h: innerHeight, vb: document.querySelector('#map').getAttribute('viewBox'), el: String(document.elementFromPoint(`+ftoa(x)+`,`+ftoa(y)+`))})`, &dbg))
						t.Fatalf("%v: %s at %v,%v", err, dbg, x, y)
					}
				}
				if err := chromedp.Run(ctx, chromedp.Evaluate(`window.staleSnapshot = last`, nil), // operate.js: the latest snapshot
					chromedp.Click("#tool-finish", chromedp.ByID),
					poll(`document.querySelector('#planner-result').textContent.includes("added obstacle 'obstacle-1'")`)); err != nil {
					var dbg string
					_ = chromedp.Run(ctx, chromedp.Evaluate(`document.querySelector('#planner-result').textContent`, &dbg))
					t.Fatalf("%v: %s", err, dbg)
				}
				// A snapshot from before the PUT, delivered after its answer
				// (a loaded machine does that), must not take the obstacle
				// off the map: the next tap would miss it, and the next edit,
				// made on the older map, would delete it on the robot.
				var drawn int
				if err := chromedp.Run(ctx, chromedp.Evaluate(`renderPlanner(window.staleSnapshot);
					document.querySelectorAll('#planner-obstacles polygon').length`, &drawn)); err != nil {
					t.Fatal(err)
				}
				if drawn != 1 {
					t.Fatalf("a snapshot from before the PUT left %d obstacles on the map", drawn)
				}
				o, ok := r.World.Map().Obstacles["obstacle-1"]
				if !ok || len(o.Outline) != 4 {
					t.Fatalf("obstacles %+v", r.World.Map().Obstacles)
				}
				for i, c := range corners {
					if !near(o.Outline[i], c, 0.05) {
						t.Fatalf("corner %d at %+v, tapped at %+v", i, o.Outline[i], c)
					}
				}
			})

			t.Run("move it", func(t *testing.T) {
				centre := pathplanning.Point{X: 3.5, Y: 2}
				to := pathplanning.Point{X: 4.5, Y: 1}
				if err := pointer(ctx, touch, centre, nil); err != nil { // select
					t.Fatal(err)
				}
				if err := chromedp.Run(ctx, poll(`document.querySelector('#planner-obstacles .selected') !== null`)); err != nil {
					t.Fatal(err)
				}
				if err := pointer(ctx, touch, centre, &to); err != nil { // drag
					t.Fatal(err)
				}
				waitFor(t, "the obstacle moved", func() bool {
					o := r.World.Map().Obstacles["obstacle-1"]
					return len(o.Outline) == 4 && near(o.Outline[0], pathplanning.Point{X: 4, Y: 0.5}, 0.05)
				})
				if err := chromedp.Run(ctx, poll(`document.querySelector('#planner-result').textContent.includes("moved 'obstacle-1'")`)); err != nil {
					t.Fatal(err)
				}
			})

			t.Run("delete it", func(t *testing.T) {
				if err := chromedp.Run(ctx, chromedp.Click("#tool-delete", chromedp.ByID),
					poll(`document.querySelectorAll('#planner-obstacles polygon').length === 0`)); err != nil {
					t.Fatal(err)
				}
				if n := len(r.World.Map().Obstacles); n != 0 {
					t.Fatalf("%d obstacles left", n)
				}
			})

			t.Run("a goal in a tree is refused with the reason", func(t *testing.T) {
				if err := r.World.SetObstacle(pathplanning.Obstacle{ID: "tree", Outline: []pathplanning.Point{{X: 5, Y: -3}, {X: 6, Y: -3}, {X: 6, Y: -2}, {X: 5, Y: -2}}}); err != nil {
					t.Fatal(err)
				}
				if err := chromedp.Run(ctx, poll(`document.querySelectorAll('#planner-obstacles polygon').length === 1`),
					chromedp.Click("#tool-goto", chromedp.ByID)); err != nil {
					t.Fatal(err)
				}
				if err := pointer(ctx, touch, pathplanning.Point{X: 5.5, Y: -2.5}, nil); err != nil {
					t.Fatal(err)
				}
				// The preview already says why; Send stays disabled.
				if err := chromedp.Run(ctx,
					poll(`document.querySelector('#planner-result').textContent.includes("no path: goal inside obstacle 'tree'")`),
					poll(`document.querySelector('#tool-send').disabled`)); err != nil {
					t.Fatal(err)
				}
				if st := r.Automator.Status(); st.State != automation.Idle {
					t.Fatalf("automation %+v", st)
				}
			})

			t.Run("click to go", func(t *testing.T) {
				goal := pathplanning.Point{X: 2, Y: 0.5}
				if err := pointer(ctx, touch, goal, nil); err != nil {
					t.Fatal(err)
				}
				// The path is shown before the robot moves.
				if err := chromedp.Run(ctx, poll(`document.querySelector('#goal-marker') !== null`),
					poll(`document.querySelector('#planned-path').classList.contains('preview')`),
					poll(`document.querySelector('#planned-path').getAttribute('points').split(' ').length > 10`)); err != nil {
					t.Fatal(err)
				}
				if st := r.Automator.Status(); st.State != automation.Idle {
					t.Fatalf("moving before the send: %+v", st)
				}
				if p := r.Odometer.Pose(); p.X != 0 || p.Y != 0 {
					t.Fatalf("moved before the send: %+v", p)
				}
				if err := chromedp.Run(ctx, chromedp.Click("#tool-send", chromedp.ByID),
					// The planned path is drawn from the answer.
					poll(`document.querySelector('#planned-path').getAttribute('points').split(' ').length > 10`),
					poll(`document.querySelector('#planner-result').textContent.includes('path planned')`)); err != nil {
					t.Fatal(err)
				}
				if st := r.Automator.Status(); st.Name != "goto" {
					t.Fatalf("automation %+v", st)
				}
				waitFor(t, "the robot to arrive", func() bool { return r.Automator.Status().State == automation.Completed })
				p := r.Odometer.Pose()
				if !near(pathplanning.Point{X: p.X, Y: p.Y}, goal, 0.15) {
					t.Fatalf("arrived at %+v, tapped %+v", p, goal)
				}
				if err := chromedp.Run(ctx, poll(`document.querySelector('#planned-path').classList.contains('done')`),
					poll(`document.querySelector('#planner-result').textContent === 'arrived.'`)); err != nil {
					t.Fatal(err)
				}
				saveViewport(t, ctx, "planner-"+vp.name+".png")
			})
			if e := errs(); len(e) > 0 {
				t.Fatalf("page errors: %s", strings.Join(e, "; "))
			}
		})
	}
}
