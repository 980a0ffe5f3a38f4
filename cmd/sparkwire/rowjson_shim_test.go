package main

import "github.com/sparkwire/sparkwire/internal/rowjson"

// jsonValue is the conversion TestJSONValue checks, now rowjson.Value (tested there).
var jsonValue = rowjson.Value
