"""The EC2 Query API at ``/ec2``: boto3 and the AWS CLI against Hearth, unchanged.

So far it holds the wire-format pieces the frontend's routes will use: ``sigv4`` (who signed a
request, verified). The routes themselves translate EC2 actions to Service calls only.
"""
