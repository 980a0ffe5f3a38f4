package connect_test

import (
	"context"
	"fmt"
	"log"

	"github.com/sparkwire/sparkwire/connect"
	F "github.com/sparkwire/sparkwire/connect/functions"
)

// A scalar subquery in a projection and in a filter, and a correlated one: the outer
// query's column is named with Col and marked with Outer.
func ExampleDataFrame_Scalar() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	orders, items := s.Table("orders"), s.Table("items")
	avg := orders.Select(F.Avg(connect.Col("amount")))
	big := orders.Filter(connect.Col("amount").Gt(avg.Scalar())).
		Select(connect.Col("id"), connect.Col("amount").Minus(avg.Scalar()).Alias("above_avg"))
	perOrder := orders.Select(connect.Col("id"), items.
		Filter(items.Col("order_id").Eq(connect.Col("id").Outer())).
		Select(F.Count(connect.Lit(1))).Scalar().Alias("items"))
	for _, df := range []*connect.DataFrame{big, perOrder} {
		table, err := df.Show(ctx, 20)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Print(table)
	}
}

// Customers with and without orders: a correlated EXISTS, and an IN subquery.
func ExampleDataFrame_Exists() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	customers, orders := s.Table("customers"), s.Table("orders")
	hasOrders := orders.Filter(orders.Col("customer_id").Eq(connect.Col("id").Outer())).Exists()
	idle, err := customers.Filter(hasOrders.Not()).Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	buyers, err := customers.Filter(connect.Col("id").IsIn(orders.Select(connect.Col("customer_id")))).Count(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(idle, buyers)
}

// DataFrames go into SQL text as {name}, values as parameters.
func ExampleRef() {
	ctx := context.Background()
	s, err := connect.Dial(ctx, "sc://localhost:15002")
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close(ctx)
	recent := s.Table("events").Filter(connect.Col("ts").Gt(connect.Expr("now() - INTERVAL 1 HOUR")))
	df, err := s.SQL(ctx, "SELECT page, count(*) AS views FROM {recent} WHERE page LIKE :prefix GROUP BY page",
		connect.Ref("recent", recent), connect.Named("prefix", "/shop/%"))
	if err != nil {
		log.Fatal(err)
	}
	table, err := df.Show(ctx, 20)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(table)
}
