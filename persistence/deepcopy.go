package persistence

import "reflect"

// deepCopy returns a copy of v that shares no memory reachable through
// exported fields, maps, slices, pointers or interfaces, so the copy can be
// JSON-encoded while the original goes on changing. Unexported fields,
// channels and functions are copied shallowly: JSON never encodes them.
// Like JSON, it assumes v is a tree (a pointer cycle would not terminate).
//
// A type without references (a struct of numbers, say) is copied by plain
// assignment, which allocates nothing: the control loop may call Get on it.
func deepCopy[T any](v T, deep bool) T {
	if !deep {
		return v
	}
	return deepCopyReflect(v)
}

// deepCopyReflect is apart from deepCopy because taking &v moves v to the
// heap for the whole function, fast path included.
func deepCopyReflect[T any](v T) T {
	src := reflect.ValueOf(&v).Elem()
	dst := reflect.New(src.Type()).Elem()
	copyValue(dst, src)
	return dst.Interface().(T)
}

func copyValue(dst, src reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		n := reflect.New(src.Type().Elem())
		copyValue(n.Elem(), src.Elem())
		dst.Set(n)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		c := reflect.New(src.Elem().Type()).Elem()
		copyValue(c, src.Elem())
		dst.Set(c)
	case reflect.Slice:
		if src.IsNil() {
			return
		}
		n := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		if needsDeepCopy(src.Type().Elem()) {
			for i := 0; i < src.Len(); i++ {
				copyValue(n.Index(i), src.Index(i))
			}
		} else {
			reflect.Copy(n, src)
		}
		dst.Set(n)
	case reflect.Array:
		dst.Set(src)
		if needsDeepCopy(src.Type().Elem()) {
			for i := 0; i < src.Len(); i++ {
				copyValue(dst.Index(i), src.Index(i))
			}
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		n := reflect.MakeMapWithSize(src.Type(), src.Len())
		et := src.Type().Elem()
		deep := needsDeepCopy(et)
		it := src.MapRange()
		for it.Next() {
			val := it.Value()
			if deep {
				c := reflect.New(et).Elem()
				copyValue(c, val)
				val = c
			}
			n.SetMapIndex(it.Key(), val)
		}
		dst.Set(n)
	case reflect.Struct:
		dst.Set(src)
		t := src.Type()
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() && needsDeepCopy(t.Field(i).Type) {
				copyValue(dst.Field(i), src.Field(i))
			}
		}
	default:
		dst.Set(src)
	}
}

// needsDeepCopy reports whether plain assignment of a t would share memory
// that JSON encoding reads.
func needsDeepCopy(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Slice, reflect.Map:
		return true
	case reflect.Array:
		return needsDeepCopy(t.Elem())
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).IsExported() && needsDeepCopy(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}
