// Package events describes the built-in event domains of sparkwire: the schema of each
// domain's events ([Clickstream], [IoT], [Payments]) and the payments domain's merchant
// categories ([MerchantCategories]).
//
// It is the one place both sides read: the generators in package producers make events
// of these schemas, and the jobs in package jobs parse them. It imports only the standard
// library, so a job depends on the shape of the events and not on the producer (or its
// Kafka client).
package events
