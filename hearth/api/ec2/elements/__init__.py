"""Hearth's resources as EC2's response elements, one module per group of collections.

Each function returns the plain data ``render.response_document`` writes: keys are the element
names of botocore's EC2 service model (``instanceId``, ``instanceState``), so what boto3 parses
is what EC2 would have sent.
"""
