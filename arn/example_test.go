package arn_test

import (
	"fmt"

	"github.com/wicket-io/wicket/arn"
)

func ExampleParse() {
	a, err := arn.Parse("arn:aws:s3:::bucket/photos/cat.jpg")
	if err != nil {
		panic(err)
	}
	fmt.Printf("service %s, resource %s\n", a.Service, a.Resource)
	// Output: service s3, resource bucket/photos/cat.jpg
}

func ExampleMatch() {
	pattern := "arn:aws:someservice:*:111122223333:finance/*"
	fmt.Println(arn.Match(pattern, "arn:aws:someservice:us-east-2:111122223333:finance/doc.txt"))
	// A wildcard never reaches past a colon between the first five
	// components, as a plain glob would:
	other := "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/doc.txt"
	fmt.Println(arn.Match(pattern, other), arn.Glob(pattern, other))
	// Output:
	// true
	// false true
}

func ExampleGlobFold() {
	fmt.Println(arn.GlobFold("s3:Get*", "S3:GETOBJECT"), arn.Glob("s3:Get*", "S3:GETOBJECT"))
	// Output: true false
}
