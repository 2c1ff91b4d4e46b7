"""The EC2 Query API at ``/ec2`` (API version 2016-11-15): boto3 and the AWS CLI against Hearth,
unchanged.

The protocol layer (parameters, XML responses, error documents, filters, pagination, states,
``sigv4``: who signed a request, verified) knows nothing of the Service; the actions translate
EC2 requests into service calls and back.
"""
