// Package form reads the console's forms from requests: each form is a
// struct filled from a posted request, with a Validate method that says,
// in words a person can act on, what is wrong. Handlers stay short.
package form
